namespace I3D.Net.Data.Annotations;

/// <summary>One annotated item: a video file or frame folder with its label.</summary>
/// <param name="Path">The video file or RGB frame folder (full path).</param>
/// <param name="Label">The class index in the dataset's <see cref="ClassMap"/>.</param>
public sealed record LabeledVideo(string Path, int Label)
{
    /// <summary>The frame count an annotation states (mmaction2 rawframe lists), or null.</summary>
    public int? FrameCount { get; init; }

    /// <summary>The optical-flow folder of this item (x/y JPEGs), or null when there is none.</summary>
    public string? FlowPath { get; init; }
}
