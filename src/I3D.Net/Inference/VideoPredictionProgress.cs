namespace I3D.Net.Inference;

/// <summary>Progress of <see cref="VideoClassifier.PredictMany"/>: reported after each video.</summary>
/// <param name="Video">The video just classified.</param>
/// <param name="Completed">Videos classified so far, this one included.</param>
/// <param name="Total">Videos to classify.</param>
/// <param name="Prediction">The video's prediction.</param>
/// <param name="Elapsed">Time since the call started.</param>
public sealed record VideoPredictionProgress(string Video, int Completed, int Total, VideoPrediction Prediction, TimeSpan Elapsed)
{
    /// <summary>The estimated time left, from the average time per video so far.</summary>
    public TimeSpan EstimatedRemaining => Completed == 0 ? TimeSpan.Zero : Elapsed / Completed * (Total - Completed);
}
