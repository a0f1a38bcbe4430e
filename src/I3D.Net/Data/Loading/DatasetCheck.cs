using I3D.Net.Data.Annotations;
using I3D.Net.Data.Video;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace I3D.Net.Data.Loading;

/// <summary>
/// Pre-scans a dataset before training: opens every item (and its flow folder), and decodes its first, middle and
/// last frame, reporting each unreadable item with the reason, so bad files are found before epoch 1, not in it. It
/// also counts readable items per class and warns about a class with none.
/// </summary>
public static class DatasetCheck
{
    /// <summary>Checks every item of <paramref name="dataset"/> on <paramref name="workers"/> threads.</summary>
    /// <param name="dataset">The items to check.</param>
    /// <param name="readerOptions">How videos are opened (as the loader will).</param>
    /// <param name="checkFlow">Also check each item's flow folder.</param>
    /// <param name="workers">Items checked in parallel; null for the processor count.</param>
    /// <param name="progress">Receives the number of items checked so far.</param>
    /// <param name="logger">Logs each unreadable item and each class without a readable item.</param>
    /// <param name="cancellationToken">Stops the scan.</param>
    public static async Task<DatasetCheckReport> RunAsync(VideoAnnotations dataset, VideoReaderOptions? readerOptions = null,
        bool checkFlow = false, int? workers = null, IProgress<int>? progress = null, ILogger? logger = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        readerOptions ??= VideoReaderOptions.Default;
        logger ??= NullLogger.Instance;
        var problems = new System.Collections.Concurrent.ConcurrentBag<UnreadableItem>();
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, dataset.Count),
            new ParallelOptions { MaxDegreeOfParallelism = workers ?? Environment.ProcessorCount, CancellationToken = cancellationToken },
            (index, ct) =>
            {
                var item = dataset.Items[index];
                var reason = Check(item.Path, readerOptions, flow: false, item.FrameCount);
                if (reason is null && checkFlow)
                {
                    reason = item.FlowPath is null ? "the item has no flow folder" : Check(item.FlowPath, readerOptions, flow: true, null);
                }
                if (reason is not null)
                {
                    problems.Add(new UnreadableItem(index, item.Path, reason));
                    DataLog.CheckFoundUnreadable(logger, item.Path, reason);
                }
                progress?.Report(Interlocked.Increment(ref done));
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);
        var unreadable = problems.OrderBy(p => p.Index).ToArray();
        var bad = unreadable.Select(u => u.Index).ToHashSet();
        var items = new int[dataset.Classes.Count];
        var readable = new int[dataset.Classes.Count];
        for (var i = 0; i < dataset.Count; i++)
        {
            var label = dataset.Items[i].Label;
            if ((uint)label >= (uint)items.Length)
                continue;   // VideoClipLoader refuses such items; the check only counts
            items[label]++;
            if (!bad.Contains(i))
                readable[label]++;
        }
        var classes = Enumerable.Range(0, items.Length).Select(c => new ClassCount(c, dataset.Classes[c], items[c], readable[c])).ToArray();
        var report = new DatasetCheckReport(dataset.Count, unreadable) { Classes = classes };
        foreach (var empty in report.EmptyClasses)
            DataLog.CheckFoundEmptyClass(logger, empty.Name, empty.Items, FormatCounts(classes));
        return report;
    }

    /// <summary>"walk 12, run 0, …" (readable items per class; the first 50 classes).</summary>
    internal static string FormatCounts(IReadOnlyList<ClassCount> classes) =>
        string.Join(", ", classes.Take(50).Select(c => c.Readable == c.Items ? $"{c.Name} {c.Items}" : $"{c.Name} {c.Readable} of {c.Items}")) +
        (classes.Count > 50 ? $", … ({classes.Count} classes)" : "");

    /// <summary>Null if the video or folder at <paramref name="path"/> decodes; otherwise why not.</summary>
    public static string? Check(string path, VideoReaderOptions? options = null, bool flow = false, int? statedFrames = null)
    {
        try
        {
            using var reader = flow ? VideoReader.OpenFlow(path, options) : VideoReader.Open(path, options);
            var n = reader.Info.FrameCount;
            if (statedFrames is { } stated && n < stated)
                return $"{n} frames found, the annotation states {stated}";
            using var frames = reader.ReadFrames(new[] { 0, n / 2, n - 1 }.Distinct().ToArray());
            return null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
        {
            return $"{ex.GetType().Name}: {ex.Message}";
        }
    }
}
