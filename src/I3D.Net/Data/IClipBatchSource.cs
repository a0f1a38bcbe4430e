namespace I3D.Net.Data;

/// <summary>
/// A source of <see cref="ClipBatch"/>es for one epoch at a time, the contract between data loaders and the trainer.
/// The order and every random choice of an epoch are a pure function of (seed, epoch), so a run resumed mid-epoch
/// at <c>firstBatch</c> sees exactly the batches an uninterrupted run would.
/// </summary>
public interface IClipBatchSource
{
    /// <summary>Number of batches in one epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>Class names, indexed by label.</summary>
    IReadOnlyList<string> ClassNames { get; }

    /// <summary>
    /// Streams the batches of <paramref name="epoch"/>, starting at batch <paramref name="firstBatch"/>. Batches are
    /// CPU tensors owned by the caller (dispose them).
    /// </summary>
    IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// How the source's optical flow was made (its flow folders' <c>flow.json</c>), or null when it has no flow or
    /// none was recorded. The trainer stores it in its checkpoints, so a classifier computes flow the same way.
    /// </summary>
    Flow.FlowSettings? FlowSettings => null;
}
