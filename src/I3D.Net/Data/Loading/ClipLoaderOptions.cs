using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;

namespace I3D.Net.Data.Loading;

/// <summary>Options for <see cref="VideoClipLoader"/> and <see cref="VideoClipReader"/>.</summary>
public sealed record ClipLoaderOptions
{
    /// <summary>Samples (videos) per batch, B.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Frames per clip, T (I3D trained on 64).</summary>
    public int ClipLength { get; init; } = 64;

    /// <summary>Take every n-th frame (at the target rate) within a clip.</summary>
    public int FrameStride { get; init; } = 1;

    /// <summary>Resample videos to this frame rate before windowing (I3D: 25); null uses each video's own frames.</summary>
    public double? TargetFps { get; init; } = 25;

    /// <summary>How windows are chosen.</summary>
    public ClipSamplingMode Sampling { get; init; } = ClipSamplingMode.Random;

    /// <summary>Windows per sample (K) for <see cref="ClipSamplingMode.EvenlySpaced"/>; must be 1 otherwise.</summary>
    public int ClipsPerSample { get; init; } = 1;

    /// <summary>
    /// Refuse flow folders without <c>flow.json</c> (<see cref="I3D.Net.Flow.FlowSettings"/>) instead of assuming their frame
    /// rate (the video's own, or <see cref="VideoReaderOptions.FolderFps"/>).
    /// </summary>
    public bool RequireFlowSettings { get; init; }

    /// <summary>Which streams to produce.</summary>
    public ClipModality Modality { get; init; } = ClipModality.Rgb;

    /// <summary>Spatial transforms (resize, crop, flip, colour jitter).</summary>
    public ClipTransformOptions Transform { get; init; } = ClipTransformOptions.Training;

    /// <summary>How videos are opened.</summary>
    public VideoReaderOptions Reader { get; init; } = VideoReaderOptions.Default;

    /// <summary>Shuffle the sample order each epoch (a function of seed and epoch).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop the last incomplete batch (training) or keep it (evaluation).</summary>
    public bool DropLast { get; init; } = true;

    /// <summary>The seed of every random choice.</summary>
    public long Seed { get; init; }

    /// <summary>Videos decoded in parallel.</summary>
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Batches prepared ahead of the consumer; with the workers this bounds memory.</summary>
    public int PrefetchBatches { get; init; } = 2;

    /// <summary>What to do with items that cannot be decoded.</summary>
    public UnreadableItemPolicy OnUnreadable { get; init; } = UnreadableItemPolicy.Skip;

    /// <summary>Unreadable items tolerated per epoch under <see cref="UnreadableItemPolicy.Skip"/>.</summary>
    public int SkipBudget { get; init; } = 16;

    /// <summary>Training defaults: random window, random crop and flip, shuffled, last partial batch dropped.</summary>
    public static ClipLoaderOptions Training { get; } = new();

    /// <summary>
    /// Evaluation defaults: centre window and crop, in order, every sample kept. Unreadable items are skipped within
    /// <see cref="SkipBudget"/> and logged, as in training, so one bad video does not discard an epoch's validation;
    /// set <see cref="OnUnreadable"/> to <see cref="UnreadableItemPolicy.Fail"/> for exact test-set numbers.
    /// </summary>
    public static ClipLoaderOptions Evaluation { get; } = new()
    {
        Sampling = ClipSamplingMode.Center,
        Transform = ClipTransformOptions.Evaluation,
        Shuffle = false,
        DropLast = false,
    };

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        // A missing nested record is a programming error, reported on its own as before.
        ArgumentNullException.ThrowIfNull(Transform);
        ArgumentNullException.ThrowIfNull(Reader);
        var errors = new OptionErrors("clip loader options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options (and their transform and reader options) to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        errors.Require(BatchSize >= 1, $"BatchSize must be >= 1, found {BatchSize}.");
        errors.Require(ClipLength >= 1, $"ClipLength must be >= 1, found {ClipLength}.");
        errors.Require(FrameStride >= 1, $"FrameStride must be >= 1, found {FrameStride}.");
        errors.Require(TargetFps is not { } fps || fps > 0, $"TargetFps must be positive, found {TargetFps}.");
        errors.Require(ClipsPerSample >= 1, $"ClipsPerSample must be >= 1, found {ClipsPerSample}.");
        errors.Require(ClipsPerSample <= 1 || Sampling == ClipSamplingMode.EvenlySpaced,
            $"ClipsPerSample = {ClipsPerSample} needs Sampling = EvenlySpaced, found {Sampling}.");
        errors.Require(Workers >= 1, $"Workers must be >= 1, found {Workers}.");
        errors.Require(PrefetchBatches >= 1, $"PrefetchBatches must be >= 1, found {PrefetchBatches}.");
        errors.Require(SkipBudget >= 0, $"SkipBudget must be >= 0, found {SkipBudget}.");
        Transform?.Collect(errors);
        Reader?.Collect(errors);
    }
}
