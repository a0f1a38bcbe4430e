using System.Runtime.CompilerServices;
using I3D.Net.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

/// <summary>
/// An in-memory <see cref="IClipBatchSource"/> with a learnable synthetic task: class c adds a signed offset to one
/// channel of noisy clips. The order of an epoch is a pure function of (seed, epoch).
/// </summary>
internal sealed class SyntheticClipSource : IClipBatchSource, IDisposable
{
    private readonly Tensor _rgb, _flow, _labels;
    private readonly int _samples, _batchSize, _clipsPerSample;
    private readonly long _seed;
    private readonly bool _shuffle;

    public SyntheticClipSource(int samples = 32, int batchSize = 4, int numClasses = 4, int frames = 4, int size = 8,
        long seed = 7, bool shuffle = true, int clipsPerSample = 1, bool yieldBetweenBatches = true)
    {
        _samples = samples;
        _batchSize = batchSize;
        _seed = seed;
        _shuffle = shuffle;
        _clipsPerSample = clipsPerSample;
        YieldBetweenBatches = yieldBetweenBatches;
        ClassNames = Enumerable.Range(0, numClasses).Select(i => $"class{i}").ToList();
        using var g = new Generator((ulong)seed);
        var labels = Enumerable.Range(0, samples).Select(i => (long)(i % numClasses)).ToArray();
        _labels = tensor(labels);

        using var scope = NewDisposeScope();
        // Scalars held in locals until the end: TorchSharp 0.107's implicit float -> Scalar temporaries can be finalized
        // while libtorch still reads them (a GC from another test's thread), which failed this constructor with
        // "Exception raised from toFloat" about once in many parallel runs.
        using Scalar half = 0.5f, plus = 1.0f, minus = -1.0f, one = 1;
        var clips = (long)samples * clipsPerSample;
        var rgb = randn([clips, 3, frames, size, size], generator: g).mul_(half);
        var flow = randn([clips, 2, frames, size, size], generator: g).mul_(half);
        for (var i = 0; i < samples; i++)
        {
            var c = labels[i];
            for (var k = 0; k < clipsPerSample; k++)
            {
                var row = i * clipsPerSample + k;
                using var rgbPlane = rgb[row, c % 3];
                using var flowPlane = flow[row, c % 2];
                rgbPlane.add_(c < 3 ? plus : minus, one);
                flowPlane.add_(c % 4 < 2 ? plus : minus, one);
            }
        }
        _rgb = rgb.DetachFromDisposeScope();
        _flow = flow.DetachFromDisposeScope();
    }

    public bool YieldBetweenBatches { get; set; }

    /// <summary>Batches (epoch, batch) whose RGB clips are replaced by NaN.</summary>
    public HashSet<(int Epoch, int Batch)> NaNBatches { get; } = [];

    /// <summary>Counts batches handed out.</summary>
    public int BatchesRead { get; private set; }

    public int BatchesPerEpoch => (_samples + _batchSize - 1) / _batchSize;

    public IReadOnlyList<string> ClassNames { get; }

    public int[] Order(int epoch)
    {
        var order = Enumerable.Range(0, _samples).ToArray();
        if (_shuffle) new Random(unchecked((int)(_seed * 1_000_003 + epoch))).Shuffle(order);
        return order;
    }

    public async IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var order = Order(epoch);
        for (var b = firstBatch; b < BatchesPerEpoch; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (YieldBetweenBatches) await Task.Yield();
            var indices = order.Skip(b * _batchSize).Take(_batchSize).ToArray();
            ClipBatch batch;
            using (var scope = NewDisposeScope())
            {
                var clipRows = tensor(indices.SelectMany(i => Enumerable.Range(0, _clipsPerSample).Select(k => (long)i * _clipsPerSample + k)).ToArray());
                var rgb = _rgb.index_select(0, clipRows);
                if (NaNBatches.Contains((epoch, b))) rgb.fill_(float.NaN);
                var flow = _flow.index_select(0, clipRows);
                var labels = _labels.index_select(0, tensor(indices.Select(i => (long)i).ToArray()));
                batch = new ClipBatch(rgb.MoveToOuterDisposeScope(), flow.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope(), indices, _clipsPerSample);
            }
            BatchesRead++;
            yield return batch;
        }
    }

    public void Dispose()
    {
        _rgb.Dispose();
        _flow.Dispose();
        _labels.Dispose();
    }
}
