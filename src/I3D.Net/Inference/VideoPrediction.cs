namespace I3D.Net.Inference;

/// <summary>What <see cref="VideoClassifier.Predict"/> found in one video.</summary>
/// <param name="Video">The video file (or frame folder) that was classified.</param>
/// <param name="Top">The top-k classes, most probable first.</param>
/// <param name="Logits">The logits of every class, averaged over the clips and crops that were read (for a two-stream model: the fused logits).</param>
/// <param name="Probabilities">The softmax of <paramref name="Logits"/>, one per class.</param>
/// <param name="Clips">The temporal windows that were read, in order.</param>
/// <param name="Crops">The spatial crops read per window (1 or 3).</param>
public sealed record VideoPrediction(
    string Video, IReadOnlyList<ClassScore> Top, IReadOnlyList<float> Logits, IReadOnlyList<float> Probabilities,
    IReadOnlyList<PredictionClip> Clips, int Crops)
{
    /// <summary>The most probable class.</summary>
    public ClassScore Best => Top[0];

    /// <summary>The video's file name and its top classes, e.g. <c>clip.mp4: playing cricket 87.5 %, …</c>.</summary>
    public override string ToString() => $"{Path.GetFileName(Video)}: {string.Join(", ", Top)}";
}
