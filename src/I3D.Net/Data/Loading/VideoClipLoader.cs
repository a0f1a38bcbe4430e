using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Sampling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace I3D.Net.Data.Loading;

/// <summary>
/// Streams <see cref="ClipBatch"/>es of annotated videos: shuffles per (seed, epoch), decodes samples on
/// <see cref="ClipLoaderOptions.Workers"/> threads and keeps at most <see cref="ClipLoaderOptions.PrefetchBatches"/>
/// batches ahead of the consumer in a bounded channel, so memory does not grow with the dataset. Batches are CPU
/// tensors created outside any dispose scope; the consumer owns (disposes) them.
/// </summary>
public sealed class VideoClipLoader : IClipBatchSource
{
    private readonly VideoAnnotations _dataset;
    private readonly ClipLoaderOptions _options;
    private readonly VideoClipReader _reader;
    private readonly ILogger _logger;
    // Items found unreadable (index → reason), so later epochs skip them without decoding again.
    private readonly ConcurrentDictionary<int, string> _unreadable = new();

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    public VideoClipLoader(VideoAnnotations dataset, ClipLoaderOptions options, ILogger<VideoClipLoader>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (dataset.Count == 0)
            throw new ArgumentException("The dataset has no items.", nameof(dataset));
        var badLabel = dataset.Items.FirstOrDefault(i => (uint)i.Label >= (uint)dataset.Classes.Count);
        if (badLabel is not null)
            throw new ArgumentException($"Item '{badLabel.Path}' has label {badLabel.Label}, outside the {dataset.Classes.Count} classes.", nameof(dataset));
        if (options.Modality != ClipModality.Rgb && dataset.Items.FirstOrDefault(i => i.FlowPath is null) is { } noFlow)
            throw new ArgumentException($"Modality {options.Modality} needs flow folders, but item '{noFlow.Path}' has none.", nameof(dataset));
        _dataset = dataset;
        _options = options;
        _reader = new VideoClipReader(options, logger);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var counts = dataset.ClassCounts();
        var empty = Enumerable.Range(0, counts.Length).Where(c => counts[c] == 0).ToList();
        if (empty.Count > 0)
        {
            DataLog.LoaderEmptyClasses(_logger, empty.Count, counts.Length,
                string.Join(", ", empty.Take(20).Select(c => $"'{dataset.Classes[c]}'")) + (empty.Count > 20 ? ", …" : ""),
                string.Join(", ", Enumerable.Range(0, counts.Length).Take(50).Select(c => $"{dataset.Classes[c]} {counts[c]}")) + (counts.Length > 50 ? ", …" : ""));
        }
        BatchesPerEpoch = options.DropLast ? dataset.Count / options.BatchSize : (dataset.Count + options.BatchSize - 1) / options.BatchSize;
        if (BatchesPerEpoch == 0)
            throw new ArgumentException($"The dataset's {dataset.Count} items make no full batch of {options.BatchSize}; lower BatchSize or set DropLast = false.", nameof(dataset));
    }

    private int _batchesStarted;

    /// <inheritdoc />
    public int BatchesPerEpoch { get; }

    /// <summary>Batches whose decoding has started since the loader was created (tests watch the prefetch bound with it).</summary>
    internal int BatchesStarted => Volatile.Read(ref _batchesStarted);

    /// <inheritdoc />
    public IReadOnlyList<string> ClassNames => _dataset.Classes.Names;

    /// <summary>The dataset.</summary>
    public VideoAnnotations Dataset => _dataset;

    /// <inheritdoc />
    /// <remarks>Read from the first item's flow folder (<c>flow.json</c>); null for RGB-only loaders.</remarks>
    public Flow.FlowSettings? FlowSettings => _options.Modality == ClipModality.Rgb ? null
        : _dataset.Items.Select(i => i.FlowPath).FirstOrDefault(p => p is not null && Directory.Exists(p)) is { } folder ? Flow.FlowSettings.TryLoad(folder) : null;

    /// <summary>The options.</summary>
    public ClipLoaderOptions Options => _options;

    /// <summary>The sample order of <paramref name="epoch"/> (dataset indices).</summary>
    public int[] EpochOrder(int epoch) =>
        _options.Shuffle ? EpochShuffle.Permutation(_dataset.Count, _options.Seed, epoch) : Enumerable.Range(0, _dataset.Count).ToArray();

    /// <inheritdoc />
    public async IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (firstBatch < 0 || firstBatch > BatchesPerEpoch)
            throw new ArgumentOutOfRangeException(nameof(firstBatch), firstBatch, $"Expected a batch in [0, {BatchesPerEpoch}].");
        DataLog.EpochStarted(_logger, epoch, firstBatch, BatchesPerEpoch, _dataset.Count, _options.Workers, _options.PrefetchBatches);
        var order = EpochOrder(epoch);
        var skips = new SkipCounter(_options.SkipBudget);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(_options.Workers, _options.Workers);
        // Batch tasks in order; the bound is what keeps decoding from racing ahead of the consumer.
        var channel = Channel.CreateBounded<Task<ClipBatch>>(new BoundedChannelOptions(_options.PrefetchBatches)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var producer = Task.Run(async () =>
        {
            try
            {
                for (var b = firstBatch; b < BatchesPerEpoch; b++)
                {
                    cts.Token.ThrowIfCancellationRequested();
                    await channel.Writer.WaitToWriteAsync(cts.Token).ConfigureAwait(false);
                    var batch = BuildBatchAsync(order, b, epoch, gate, skips, cts.Token);
                    Interlocked.Increment(ref _batchesStarted);
                    if (!channel.Writer.TryWrite(batch))
                    {
                        // Only the single writer fills the channel, so after WaitToWriteAsync this cannot happen.
                        throw new InvalidOperationException("The batch channel refused a write.");
                    }
                }
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
            }
            finally
            {
                channel.Writer.TryComplete();
            }
        }, CancellationToken.None);

        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // Check the token before taking each batch and again before handing it out: prefetched batches are
                // often decoded already, so without the checks a cancelled consumer would still receive them.
                while (!cancellationToken.IsCancellationRequested && channel.Reader.TryRead(out var next))
                {
                    var batch = await next.ConfigureAwait(false);
                    if (cancellationToken.IsCancellationRequested)
                    {
                        batch.Dispose();
                        break;
                    }
                    yield return batch;
                }
                cancellationToken.ThrowIfCancellationRequested();
            }
            await producer.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        finally
        {
            // Stop the producer and release every prepared batch the consumer will not see.
            cts.Cancel();
            await producer.ConfigureAwait(false);
            while (channel.Reader.TryRead(out var pending))
            {
                try
                {
                    (await pending.ConfigureAwait(false)).Dispose();
                }
                catch (Exception)
                {
                    // Cancelled or failed while the consumer was leaving; nothing to release.
                }
            }
        }
    }

    private async Task<ClipBatch> BuildBatchAsync(int[] order, int batch, int epoch, SemaphoreSlim gate, SkipCounter skips, CancellationToken ct)
    {
        var start = batch * _options.BatchSize;
        var end = Math.Min(start + _options.BatchSize, order.Length);
        var tasks = new Task<(int Index, SampleClips Clips)>[end - start];
        for (var p = start; p < end; p++)
        {
            var position = p;
            tasks[p - start] = Task.Run(async () =>
            {
                await gate.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    return ReadWithPolicy(order, position, epoch, skips, ct);
                }
                finally
                {
                    gate.Release();
                }
            }, ct);
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            foreach (var t in tasks)
            {
                if (t.IsCompletedSuccessfully)
                    t.Result.Clips.Dispose();
            }
            throw;
        }
        var samples = tasks.Select(t => t.Result).ToArray();
        try
        {
            ct.ThrowIfCancellationRequested();
            var rgb = _options.Modality != ClipModality.Flow ? cat(samples.Select(s => s.Clips.Rgb!).ToArray(), 0) : null;
            var flow = _options.Modality != ClipModality.Rgb ? cat(samples.Select(s => s.Clips.Flow!).ToArray(), 0) : null;
            var labels = tensor(samples.Select(s => (long)_dataset.Items[s.Index].Label).ToArray(), ScalarType.Int64);
            return new ClipBatch(rgb, flow, labels, samples.Select(s => s.Index).ToArray(), _options.ClipsPerSample);
        }
        finally
        {
            foreach (var s in samples)
                s.Clips.Dispose();
        }
    }

    /// <summary>Reads the sample at epoch position <paramref name="position"/>, substituting unreadable items under the Skip policy.</summary>
    private (int, SampleClips) ReadWithPolicy(int[] order, int position, int epoch, SkipCounter skips, CancellationToken ct)
    {
        var index = order[position];
        var substitute = new CounterRandom(_options.Seed, epoch, position, RandomStream.Substitute);
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var item = _dataset.Items[index];
            string reason;
            if (_unreadable.TryGetValue(index, out var known))
            {
                reason = known;
            }
            else
            {
                try
                {
                    return (index, _reader.Read(item, epoch, index));
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    reason = $"{ex.GetType().Name}: {ex.Message}";
                    if (_options.OnUnreadable == UnreadableItemPolicy.Fail)
                        throw new InvalidDataException($"Cannot read item {index} '{item.Path}' (label {item.Label}): {ex.Message}", ex);
                    _unreadable[index] = reason;
                }
            }
            if (_options.OnUnreadable == UnreadableItemPolicy.Fail)
                throw new InvalidDataException($"Cannot read item {index} '{item.Path}': {reason}");
            var used = skips.Add();
            if (used > _options.SkipBudget)
                throw new InvalidDataException(
                    $"More than {_options.SkipBudget} unreadable items in epoch {epoch} (SkipBudget); the last was item {index} '{item.Path}': {reason}. " +
                    "Run DatasetCheck to list them.");
            DataLog.SkippedUnreadable(_logger, index, item.Path, epoch, used, _options.SkipBudget, reason);
            if (_unreadable.Count >= _dataset.Count)
                throw new InvalidDataException($"No item of the dataset is readable; the last was '{item.Path}': {reason}.");
            // A deterministic replacement: the same (seed, epoch, position) always picks the same item.
            index = order[(position + 1 + substitute.NextInt(Math.Max(1, order.Length - 1))) % order.Length];
        }
    }

    private sealed class SkipCounter(int budget)
    {
        private int _count;

        public int Budget { get; } = budget;

        public int Add() => Interlocked.Increment(ref _count);
    }
}
