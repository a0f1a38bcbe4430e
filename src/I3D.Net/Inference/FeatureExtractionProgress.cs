namespace I3D.Net.Inference;

/// <summary>What happened to one video during <see cref="FeatureExtractor.ExtractDatasetAsync"/>.</summary>
public enum FeatureVideoStatus
{
    /// <summary>Features were computed and the video's file written.</summary>
    Extracted,

    /// <summary>The video's file existed already (a finished earlier run) and was left alone.</summary>
    Skipped,

    /// <summary>The video could not be read or written; see <see cref="FeatureExtractionProgress.Error"/>.</summary>
    Failed,
}

/// <summary>Progress of a feature extraction, reported once per finished video.</summary>
/// <param name="VideoPath">The video that finished.</param>
/// <param name="Status">Whether it was extracted, skipped or failed.</param>
/// <param name="Windows">Feature rows (clips) computed; 0 when skipped or failed.</param>
/// <param name="VideosCompleted">Videos finished so far, this one included.</param>
/// <param name="VideosTotal">Videos in this run (this shard's).</param>
/// <param name="Error">Why the video failed, else null.</param>
public sealed record FeatureExtractionProgress(
    string VideoPath, FeatureVideoStatus Status, int Windows, int VideosCompleted, int VideosTotal, string? Error = null)
{
    /// <summary>Videos done of the total, time elapsed and the estimated time left (skipped videos are free).</summary>
    public ProgressTiming Timing { get; init; } = new(VideosCompleted, VideosTotal, TimeSpan.Zero, null);

    /// <summary>The video's features file (under the output folder, mirroring the video's place in the dataset); null when its name gives none.</summary>
    public string? OutputPath { get; init; }
}

/// <summary>The outcome of <see cref="FeatureExtractor.ExtractDatasetAsync"/>.</summary>
/// <param name="Extracted">Videos whose features were computed in this run.</param>
/// <param name="Skipped">Videos whose file existed already.</param>
/// <param name="Failed">Videos that failed, with the reason; they have no file and are retried next run.</param>
public sealed record FeatureExtractionSummary(
    IReadOnlyList<string> Extracted, IReadOnlyList<string> Skipped, IReadOnlyDictionary<string, string> Failed)
{
    /// <summary>Videos found but left alone because they belong to other shards (<see cref="FeatureExtractionOptions.Shard"/>).</summary>
    public int InOtherShards { get; init; }
}
