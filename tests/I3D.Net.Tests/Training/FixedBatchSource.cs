using System.Runtime.CompilerServices;
using I3D.Net.Data;

namespace I3D.Net.Tests.Training;

/// <summary>A source that yields batches made by factories (one epoch, the same every time).</summary>
internal sealed class FixedBatchSource(IReadOnlyList<string> classNames, params Func<ClipBatch>[] batches) : IClipBatchSource
{
    public int BatchesPerEpoch => batches.Length;

    public IReadOnlyList<string> ClassNames => classNames;

    public async IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var b = firstBatch; b < batches.Length; b++)
        {
            await Task.Yield();
            yield return batches[b]();
        }
    }
}
