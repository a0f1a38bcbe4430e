namespace I3D.Net.Flow;

/// <summary>What happened to one video during <see cref="FlowExtractor.ExtractAsync"/>.</summary>
public enum FlowVideoStatus
{
    /// <summary>Flow was computed and written; the video's folder is complete.</summary>
    Extracted,

    /// <summary>The video's folder was already complete (its <c>.done</c> marker exists) and was left alone.</summary>
    Skipped,

    /// <summary>The video could not be read or written; see <see cref="FlowExtractionProgress.Error"/>.</summary>
    Failed,
}

/// <summary>Progress of a flow extraction, reported once per finished video.</summary>
/// <param name="VideoPath">The video that finished.</param>
/// <param name="Status">Whether it was extracted, skipped or failed.</param>
/// <param name="FramePairs">Flow images (x/y pairs) the video's folder holds; 0 when it failed.</param>
/// <param name="VideosCompleted">Videos finished so far, this one included.</param>
/// <param name="VideosTotal">Videos in the run.</param>
/// <param name="Error">Why the video failed, else null.</param>
public sealed record FlowExtractionProgress(
    string VideoPath, FlowVideoStatus Status, int FramePairs, int VideosCompleted, int VideosTotal, string? Error = null)
{
    /// <summary>Videos done of the total, time elapsed and the estimated time left (extrapolated from the videos this run computed; skipped ones are free).</summary>
    public ProgressTiming Timing { get; init; } = new(VideosCompleted, VideosTotal, TimeSpan.Zero, null);

    /// <summary>The folder of the video's flow (under the output folder, mirroring the video's place in the dataset).</summary>
    public string? Folder { get; init; }
}

/// <summary>The outcome of <see cref="FlowExtractor.ExtractAsync"/>.</summary>
/// <param name="Extracted">Videos whose flow was computed in this run.</param>
/// <param name="Skipped">Videos already complete from an earlier run.</param>
/// <param name="Failed">Videos that failed, with the reason; they have no <c>.done</c> marker and are retried next run.</param>
public sealed record FlowExtractionSummary(
    IReadOnlyList<string> Extracted, IReadOnlyList<string> Skipped, IReadOnlyDictionary<string, string> Failed)
{
    /// <summary>Videos found but left alone because they belong to other shards (<see cref="FlowExtractionOptions.Shard"/>); 0 for the whole dataset.</summary>
    public int InOtherShards { get; init; }
}
