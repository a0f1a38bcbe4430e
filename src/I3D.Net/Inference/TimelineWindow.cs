namespace I3D.Net.Inference;

/// <summary>The prediction for one window of <see cref="VideoClassifier.PredictTimeline"/>.</summary>
/// <param name="Start">When the window starts in the video.</param>
/// <param name="End">When it ends.</param>
/// <param name="Top">The top-k classes of this window, most probable first.</param>
/// <param name="Logits">The window's logits (averaged over its crops).</param>
/// <param name="Frames">The frames of the video file the window read.</param>
public sealed record TimelineWindow(TimeSpan Start, TimeSpan End, IReadOnlyList<ClassScore> Top, IReadOnlyList<float> Logits, IReadOnlyList<int> Frames)
{
    /// <summary>The most probable class in this window.</summary>
    public ClassScore Best => Top[0];
}
