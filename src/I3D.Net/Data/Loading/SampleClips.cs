using static TorchSharp.torch;

namespace I3D.Net.Data.Loading;

/// <summary>The clips of one sample, ready for a model; disposing disposes the tensors.</summary>
/// <param name="Rgb">RGB clips <c>[K, 3, T, H, W]</c> in [-1, 1], or null.</param>
/// <param name="Flow">Flow clips <c>[K, 2, T, H, W]</c> in [-1, 1], or null.</param>
/// <param name="FrameIndices">The source frame indices of each of the K windows (RGB frames; flow pairs when there is no RGB stream).</param>
public sealed record SampleClips(Tensor? Rgb, Tensor? Flow, IReadOnlyList<int[]> FrameIndices) : IDisposable
{
    /// <summary>
    /// The flow pair indices (0-based; pair <c>i</c> is file number <c>i + 1</c>, the flow from frame <c>i</c> to <c>i + 1</c>
    /// at the flow folder's rate) of each of the K windows, or null without a flow stream. With flow computed at the
    /// video's rate they equal <see cref="FrameIndices"/>.
    /// </summary>
    public IReadOnlyList<int[]>? FlowIndices { get; init; }

    /// <summary>The frame rate of the timeline the windows were chosen on (the target rate, else the video's own; 0 when unknown).</summary>
    public double TimelineFps { get; init; }

    /// <inheritdoc />
    public void Dispose()
    {
        Rgb?.Dispose();
        Flow?.Dispose();
    }
}
