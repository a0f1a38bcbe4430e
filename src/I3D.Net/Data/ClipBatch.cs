using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data;

/// <summary>
/// A batch of clips ready for a model: CPU tensors in the layout <c>[B·K, C, T, H, W]</c>, where <c>K</c> is
/// <see cref="ClipsPerSample"/> (several windows of one video for test-time averaging, grouped per sample).
/// Disposing the batch disposes its tensors.
/// </summary>
public sealed class ClipBatch : IDisposable
{
    /// <summary>Creates a batch; the batch takes ownership of the tensors.</summary>
    /// <param name="rgb">RGB clips <c>[B·K, 3, T, H, W]</c> in [-1, 1], or null for a flow-only batch.</param>
    /// <param name="flow">Flow clips <c>[B·K, 2, T, H, W]</c> in [-1, 1], or null for an RGB-only batch.</param>
    /// <param name="labels">Class indices <c>[B]</c>, int64.</param>
    /// <param name="sampleIndices">The dataset index of each of the B samples.</param>
    /// <param name="clipsPerSample">Clips per sample (K), 1 for training.</param>
    public ClipBatch(Tensor? rgb, Tensor? flow, Tensor labels, IReadOnlyList<int> sampleIndices, int clipsPerSample = 1)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(sampleIndices);
        if (rgb is null && flow is null)
            throw new ArgumentException("A batch needs RGB clips, flow clips or both; both were null.");
        if (clipsPerSample < 1)
            throw new ArgumentOutOfRangeException(nameof(clipsPerSample), clipsPerSample, "Expected at least 1 clip per sample.");
        if (labels.ndim != 1 || labels.shape[0] != sampleIndices.Count)
            throw new ArgumentException($"Expected labels of shape [{sampleIndices.Count}], found [{string.Join(", ", labels.shape)}].", nameof(labels));
        foreach (var (name, clips) in new[] { ("rgb", rgb), ("flow", flow) })
        {
            if (clips is not null && (clips.ndim != 5 || clips.shape[0] != (long)sampleIndices.Count * clipsPerSample))
                throw new ArgumentException(
                    $"Expected {name} clips of shape [{sampleIndices.Count * clipsPerSample}, C, T, H, W], found [{string.Join(", ", clips.shape)}].", name);
        }
        Rgb = rgb;
        Flow = flow;
        Labels = labels;
        SampleIndices = sampleIndices;
        ClipsPerSample = clipsPerSample;
    }

    /// <summary>RGB clips <c>[B·K, 3, T, H, W]</c>, or null.</summary>
    public Tensor? Rgb { get; }

    /// <summary>Optical-flow clips <c>[B·K, 2, T, H, W]</c>, or null.</summary>
    public Tensor? Flow { get; }

    /// <summary>Class indices <c>[B]</c> (int64).</summary>
    public Tensor Labels { get; }

    /// <summary>The dataset index of each sample in the batch.</summary>
    public IReadOnlyList<int> SampleIndices { get; }

    /// <summary>Number of clips per sample (K); the clip dimension holds B·K clips grouped per sample.</summary>
    public int ClipsPerSample { get; }

    /// <summary>Number of samples (B).</summary>
    public int Count => SampleIndices.Count;

    /// <inheritdoc />
    public void Dispose()
    {
        Rgb?.Dispose();
        Flow?.Dispose();
        Labels.Dispose();
    }
}
