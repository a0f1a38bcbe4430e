using static TorchSharp.torch;

namespace I3D.Net.Data.Loading;

/// <summary>The clips of one sample, ready for a model; disposing disposes the tensors.</summary>
/// <param name="Rgb">RGB clips <c>[K, 3, T, H, W]</c> in [-1, 1], or null.</param>
/// <param name="Flow">Flow clips <c>[K, 2, T, H, W]</c> in [-1, 1], or null.</param>
/// <param name="FrameIndices">The source frame indices of each of the K windows.</param>
public sealed record SampleClips(Tensor? Rgb, Tensor? Flow, IReadOnlyList<int[]> FrameIndices) : IDisposable
{
    /// <inheritdoc />
    public void Dispose()
    {
        Rgb?.Dispose();
        Flow?.Dispose();
    }
}
