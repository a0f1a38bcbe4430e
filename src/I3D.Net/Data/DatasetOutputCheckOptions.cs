using I3D.Net.Data.Video;

namespace I3D.Net.Data;

/// <summary>What <see cref="DatasetOutputCheck"/> looks at besides the videos.</summary>
public sealed record DatasetOutputCheckOptions
{
    /// <summary>The flow output root (<see cref="Flow.FlowExtractor"/>'s output folder) to check, or null.</summary>
    public string? FlowRoot { get; init; }

    /// <summary>The features output root (<see cref="Inference.FeatureExtractor"/>'s output folder) to check, or null.</summary>
    public string? FeaturesRoot { get; init; }

    /// <summary>Check only the items of this shard (<see cref="DatasetShard.Whole"/> by default), e.g. from the shard's own job.</summary>
    public DatasetShard Shard { get; init; } = DatasetShard.Whole;

    /// <summary>
    /// The N that labels each item with the shard that owns it (<see cref="DatasetItemStatus.Shard"/>), so a missing
    /// item says which <c>K/N</c> job to rerun; null uses <see cref="Shard"/>'s count (must agree with it when both are set).
    /// </summary>
    public int? ShardCount { get; init; }

    /// <summary>Also open every video and decode its first, middle and last frame, reporting those that fail (slower: it reads every file).</summary>
    public bool DecodeVideos { get; init; }

    /// <summary>How videos are opened when <see cref="DecodeVideos"/> is set.</summary>
    public VideoReaderOptions Reader { get; init; } = VideoReaderOptions.Default;

    /// <summary>Items checked at the same time (decoding is the slow part); null for the processor count.</summary>
    public int? MaxDegreeOfParallelism { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range option.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("dataset check options");
        errors.Require(FlowRoot is not "", "Dataset check option FlowRoot must be null or a folder; found ''.", nameof(FlowRoot));
        errors.Require(FeaturesRoot is not "", "Dataset check option FeaturesRoot must be null or a folder; found ''.", nameof(FeaturesRoot));
        errors.Require(Shard is not null, "Dataset check option Shard must be set (DatasetShard.Whole for the whole dataset); found null.", nameof(Shard));
        errors.Require(ShardCount is null or >= 1, $"Dataset check option ShardCount must be null or at least 1; found {ShardCount}.", nameof(ShardCount));
        errors.Require(ShardCount is null || Shard is null || Shard.IsWhole || ShardCount == Shard.Count,
            $"Dataset check option ShardCount ({ShardCount}) must be the count of Shard ({Shard}) when both are set.", nameof(ShardCount));
        errors.Require(Reader is not null, "Dataset check option Reader must be set; found null.", nameof(Reader));
        Reader?.Collect(errors);
        errors.Require(MaxDegreeOfParallelism is null or >= 1,
            $"Dataset check option MaxDegreeOfParallelism must be null or at least 1; found {MaxDegreeOfParallelism}.", nameof(MaxDegreeOfParallelism));
        errors.ThrowIfAny();
    }
}
