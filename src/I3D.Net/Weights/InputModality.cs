namespace I3D.Net.Weights;

/// <summary>What a network stream looks at.</summary>
public enum InputModality
{
    /// <summary>RGB frames (3 channels).</summary>
    Rgb,

    /// <summary>Optical flow (2 channels: horizontal and vertical displacement, TV-L1 in the paper).</summary>
    Flow,
}
