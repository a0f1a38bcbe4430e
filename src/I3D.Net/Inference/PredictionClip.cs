namespace I3D.Net.Inference;

/// <summary>One temporal window a prediction read: which frames of the video file, and when they are shown.</summary>
/// <param name="Frames">The frames of the video file (0-based, at its own frame rate) in the order fed to the model; repeats when the rate was raised or a short video looped.</param>
/// <param name="Start">When the first frame is shown.</param>
/// <param name="End">When the last frame stops being shown (the time of the frame after it).</param>
public sealed record PredictionClip(IReadOnlyList<int> Frames, TimeSpan Start, TimeSpan End);
