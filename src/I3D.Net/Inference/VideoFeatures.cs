using static TorchSharp.torch;

namespace I3D.Net.Inference;

/// <summary>The features of one video, from <see cref="FeatureExtractor.Extract"/>; dispose it to free the tensor.</summary>
/// <param name="Features">Float32 on the CPU, <c>[W, …]</c>: one row per clip (<c>[W, 1024]</c> for the default Mixed_5c average).</param>
/// <param name="WindowStarts">Each clip's first frame, in the video's own frame numbering (before resampling).</param>
public sealed record VideoFeatures(Tensor Features, IReadOnlyList<long> WindowStarts) : IDisposable
{
    /// <summary>Disposes <see cref="Features"/>.</summary>
    public void Dispose() => Features.Dispose();
}
