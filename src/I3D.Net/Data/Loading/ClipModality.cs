namespace I3D.Net.Data.Loading;

/// <summary>Which streams a loader produces.</summary>
public enum ClipModality
{
    /// <summary>RGB clips only.</summary>
    Rgb,

    /// <summary>Optical-flow clips only (items need a <see cref="Annotations.LabeledVideo.FlowPath"/>).</summary>
    Flow,

    /// <summary>Paired RGB and flow clips of the same frames, crop and flip (two-stream I3D).</summary>
    RgbAndFlow,
}
