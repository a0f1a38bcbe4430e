namespace I3D.Net.Data;

/// <summary>One video of the dataset and the state of its outputs.</summary>
/// <param name="RelativePath">The video's path relative to the dataset root, with <c>/</c> separators (what <see cref="DatasetShard"/> hashes).</param>
/// <param name="ClassName">The video's folder name (its class in a folder-per-class dataset); empty for a video directly in the root.</param>
/// <param name="Shard">The 1-based shard K of <see cref="DatasetOutputCheckOptions.ShardCount"/> (else of <see cref="DatasetOutputCheckOptions.Shard"/>'s count) that owns the video: the job to rerun when its output is missing.</param>
public sealed record DatasetItemStatus(string RelativePath, string ClassName, int Shard)
{
    /// <summary>The state of the video's flow folder; null when no flow root was checked.</summary>
    public OutputState? Flow { get; init; }

    /// <summary>Why the flow is partial or missing when that needs saying (e.g. <c>no .done marker</c>), else null.</summary>
    public string? FlowDetail { get; init; }

    /// <summary>The state of the video's features file; null when no features root was checked.</summary>
    public OutputState? Features { get; init; }

    /// <summary>Why the features are partial or missing when that needs saying, else null.</summary>
    public string? FeaturesDetail { get; init; }

    /// <summary>Why the video does not decode (with <see cref="DatasetOutputCheckOptions.DecodeVideos"/>), else null.</summary>
    public string? Unreadable { get; init; }
}

/// <summary>How many items of one output are complete, partial and missing.</summary>
/// <param name="Root">The output root checked.</param>
/// <param name="Complete">Items whose output is complete.</param>
/// <param name="Partial">Items with an incomplete output a rerun redoes.</param>
/// <param name="Missing">Items with no output.</param>
public sealed record OutputCounts(string Root, int Complete, int Partial, int Missing)
{
    /// <summary>Whether every item's output is complete.</summary>
    public bool IsComplete => Partial == 0 && Missing == 0;
}

/// <summary>Items of one class (folder) and how many of them have complete outputs.</summary>
/// <param name="Name">The folder name; empty for videos directly in the root.</param>
/// <param name="Items">Videos found.</param>
/// <param name="FlowComplete">Of those, with complete flow (0 when no flow root was checked).</param>
/// <param name="FeaturesComplete">Of those, with complete features (0 when no features root was checked).</param>
/// <param name="Unreadable">Of those, that do not decode (0 unless videos were decoded).</param>
public sealed record DatasetClassStatus(string Name, int Items, int FlowComplete, int FeaturesComplete, int Unreadable);

/// <summary>The result of <see cref="DatasetOutputCheck.RunAsync"/>: every item found and the state of its outputs, with totals.</summary>
/// <param name="VideoRoot">The dataset root checked.</param>
/// <param name="Shard">The shard checked (<see cref="DatasetShard.Whole"/> for all).</param>
/// <param name="Items">The items of the shard, by relative path.</param>
public sealed record DatasetOutputReport(string VideoRoot, DatasetShard Shard, IReadOnlyList<DatasetItemStatus> Items)
{
    /// <summary>Videos found under the root that belong to other shards (not in <see cref="Items"/>).</summary>
    public int InOtherShards { get; init; }

    /// <summary>The flow totals; null when no flow root was checked.</summary>
    public OutputCounts? Flow { get; init; }

    /// <summary>The features totals; null when no features root was checked.</summary>
    public OutputCounts? Features { get; init; }

    /// <summary>Per class (folder name), in name order.</summary>
    public IReadOnlyList<DatasetClassStatus> Classes { get; init; } = [];

    /// <summary>Complete flow folders (relative to the flow root) whose video is not in the dataset any more; empty when no flow root was checked.</summary>
    public IReadOnlyList<string> FlowOrphans { get; init; } = [];

    /// <summary>Features files (relative to the features root) whose video is not in the dataset any more; empty when no features root was checked.</summary>
    public IReadOnlyList<string> FeaturesOrphans { get; init; } = [];

    /// <summary>Whether videos were decoded (<see cref="DatasetOutputCheckOptions.DecodeVideos"/>).</summary>
    public bool VideosDecoded { get; init; }

    /// <summary>Items whose video does not decode (empty unless videos were decoded).</summary>
    public IReadOnlyList<DatasetItemStatus> UnreadableItems => Items.Where(i => i.Unreadable is not null).ToList();

    /// <summary>Items whose flow or features are partial.</summary>
    public IReadOnlyList<DatasetItemStatus> PartialItems => Items.Where(i => i.Flow == OutputState.Partial || i.Features == OutputState.Partial).ToList();

    /// <summary>Items whose flow or features are missing.</summary>
    public IReadOnlyList<DatasetItemStatus> MissingItems => Items.Where(i => i.Flow == OutputState.Missing || i.Features == OutputState.Missing).ToList();

    /// <summary>Whether every checked output of every item is complete and no video failed to decode.</summary>
    public bool IsComplete => Flow?.IsComplete != false && Features?.IsComplete != false && Items.All(i => i.Unreadable is null);
}
