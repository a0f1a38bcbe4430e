using System.Collections.Concurrent;
using System.Text.Json;
using I3D.Net.Data.Loading;
using I3D.Net.Flow;
using I3D.Net.Inference;

namespace I3D.Net.Data;

/// <summary>
/// Reports, for a dataset tree and the outputs of its dataset jobs (a flow root, a features root), which items exist and
/// which of their outputs are complete, partial or missing, so merged shard outputs can be verified before training
/// (<c>i3d check-dataset</c> prints it). It reads; it never writes or repairs (a rerun of the job does that).
/// </summary>
/// <remarks>
/// Items are found as the jobs find them (video files under the root, recursively, outside the output roots). A flow
/// folder is complete when its <see cref="FlowExtractor.DoneMarker"/> exists, its <see cref="FlowSettings.FileName"/>
/// too, and the marker's pair count matches the x and y images with no temporary file left; a folder short of that is
/// partial. A features file is complete when it exists (it is renamed into place whole); only a temporary file of it is
/// partial. With <see cref="DatasetOutputCheckOptions.DecodeVideos"/> every video is also decoded at three frames.
/// </remarks>
public static class DatasetOutputCheck
{
    /// <summary>Checks the dataset under <paramref name="videoRoot"/> and the outputs named in <paramref name="options"/>.</summary>
    /// <param name="videoRoot">The dataset's root folder.</param>
    /// <param name="options">The output roots and what else to check; videos only when null.</param>
    /// <param name="progress">Receives the number of items checked so far.</param>
    /// <param name="cancellationToken">Stops the check.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="videoRoot"/> does not exist.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static async Task<DatasetOutputReport> RunAsync(string videoRoot, DatasetOutputCheckOptions? options = null,
        IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        options ??= new DatasetOutputCheckOptions();
        options.Validate();
        var root = Path.GetFullPath(videoRoot);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Video root '{root}' does not exist.");
        var flowRoot = options.FlowRoot is null ? null : Path.GetFullPath(options.FlowRoot);
        var featuresRoot = options.FeaturesRoot is null ? null : Path.GetFullPath(options.FeaturesRoot);
        var featureExtensions = featuresRoot is null ? [] : FeatureExtensions(featuresRoot);

        var shardCount = options.ShardCount ?? options.Shard.Count;
        var all = DatasetVideos.Find(root, flowRoot, featuresRoot);
        var videos = all.Where(v => options.Shard.Contains(Path.GetRelativePath(root, v))).ToList();
        var results = new DatasetItemStatus[videos.Count];
        var done = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, videos.Count),
            new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism ?? Environment.ProcessorCount, CancellationToken = cancellationToken },
            (index, _) =>
            {
                var video = videos[index];
                var relative = DatasetShard.Normalize(Path.GetRelativePath(root, video));
                var folder = Path.GetDirectoryName(relative.Replace('/', Path.DirectorySeparatorChar));
                var item = new DatasetItemStatus(relative, string.IsNullOrEmpty(folder) ? "" : Path.GetFileName(folder), DatasetShard.IndexOf(relative, shardCount));
                if (flowRoot is not null)
                {
                    var (state, detail) = CheckFlow(flowRoot, root, video);
                    item = item with { Flow = state, FlowDetail = detail };
                }
                if (featuresRoot is not null)
                {
                    var (state, detail) = CheckFeatures(featuresRoot, root, video, featureExtensions);
                    item = item with { Features = state, FeaturesDetail = detail };
                }
                if (options.DecodeVideos)
                    item = item with { Unreadable = DatasetCheck.Check(video, options.Reader) };
                results[index] = item;
                progress?.Report(Interlocked.Increment(ref done));
                return ValueTask.CompletedTask;
            }).ConfigureAwait(false);

        var classes = results.GroupBy(i => i.ClassName, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DatasetClassStatus(g.Key, g.Count(), g.Count(i => i.Flow == OutputState.Complete),
                g.Count(i => i.Features == OutputState.Complete), g.Count(i => i.Unreadable is not null)))
            .ToList();
        // Outputs whose video is gone (renamed, deleted, or copied in from another dataset) are "items" of no shard.
        var expected = all.Select(v => DatasetShard.Normalize(Path.ChangeExtension(Path.GetRelativePath(root, v), null))).ToHashSet(StringComparer.Ordinal);
        return new DatasetOutputReport(root, options.Shard, results)
        {
            FlowOrphans = flowRoot is null || !Directory.Exists(flowRoot) ? [] : Directory.EnumerateFiles(flowRoot, FlowExtractor.DoneMarker, SearchOption.AllDirectories)
                .Select(m => DatasetShard.Normalize(Path.GetRelativePath(flowRoot, Path.GetDirectoryName(m)!)))
                .Where(f => !expected.Contains(f)).Order(StringComparer.Ordinal).ToList(),
            FeaturesOrphans = featuresRoot is null || !Directory.Exists(featuresRoot) ? [] : featureExtensions
                .SelectMany(e => Directory.EnumerateFiles(featuresRoot, "*" + e, SearchOption.AllDirectories))
                .Select(f => DatasetShard.Normalize(Path.GetRelativePath(featuresRoot, f)))
                .Where(f => !expected.Contains(f[..f.LastIndexOf('.')])).Order(StringComparer.Ordinal).ToList(),
            InOtherShards = all.Count - videos.Count,
            Flow = flowRoot is null ? null : Count(flowRoot, results.Select(i => i.Flow!.Value)),
            Features = featuresRoot is null ? null : Count(featuresRoot, results.Select(i => i.Features!.Value)),
            Classes = classes,
            VideosDecoded = options.DecodeVideos,
        };
    }

    private static OutputCounts Count(string root, IEnumerable<OutputState> states)
    {
        var counts = states.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        return new OutputCounts(root, counts.GetValueOrDefault(OutputState.Complete), counts.GetValueOrDefault(OutputState.Partial), counts.GetValueOrDefault(OutputState.Missing));
    }

    private static (OutputState, string?) CheckFlow(string flowRoot, string root, string video)
    {
        string folder;
        try
        {
            folder = FlowLayout.FolderFor(flowRoot, root, video);
        }
        catch (ArgumentException e)
        {
            return (OutputState.Missing, e.Message);
        }
        var (state, detail, _) = FlowExtractor.Inspect(folder);
        return (state, detail);
    }

    private static (OutputState, string?) CheckFeatures(string featuresRoot, string root, string video, IReadOnlyList<string> extensions)
    {
        string stem;
        try
        {
            stem = FlowLayout.FolderFor(featuresRoot, root, video);
        }
        catch (ArgumentException e)
        {
            return (OutputState.Missing, e.Message);
        }
        if (extensions.Any(e => File.Exists(stem + e)))
            return (OutputState.Complete, null);
        var folder = Path.GetDirectoryName(stem)!;
        var name = Path.GetFileName(stem);
        if (Directory.Exists(folder) && extensions.Any(e => Directory.EnumerateFiles(folder, $".{name}{e}.*.tmp").Any()))
            return (OutputState.Partial, "only a temporary file, left by a killed run");
        return (OutputState.Missing, null);
    }

    /// <summary>The features file extension the root's <see cref="FeatureExtractor.SettingsFileName"/> names; both when it has none.</summary>
    private static IReadOnlyList<string> FeatureExtensions(string featuresRoot)
    {
        var settings = Path.Combine(featuresRoot, FeatureExtractor.SettingsFileName);
        try
        {
            if (File.Exists(settings) &&
                JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(settings))?.GetValueOrDefault("format") is { } format &&
                Enum.TryParse<FeatureFileFormat>(format, out var parsed))
                return [FeatureExtractor.ExtensionOf(parsed)];
        }
        catch (JsonException)
        {
            // An unreadable settings file: look for either kind of file.
        }
        return [FeatureExtractor.ExtensionOf(FeatureFileFormat.Npy), FeatureExtractor.ExtensionOf(FeatureFileFormat.SafeTensors)];
    }
}
