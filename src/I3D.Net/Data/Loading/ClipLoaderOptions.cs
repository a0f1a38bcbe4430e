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

    /// <summary>Evaluation defaults: centre window and crop, in order, every sample kept, failing on unreadable items.</summary>
    public static ClipLoaderOptions Evaluation { get; } = new()
    {
        Sampling = ClipSamplingMode.Center,
        Transform = ClipTransformOptions.Evaluation,
        Shuffle = false,
        DropLast = false,
        OnUnreadable = UnreadableItemPolicy.Fail,
    };

    /// <summary>Throws <see cref="ArgumentException"/> for inconsistent or out-of-range options.</summary>
    public void Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"BatchSize must be >= 1, found {BatchSize}.");
        if (ClipLength < 1) throw new ArgumentException($"ClipLength must be >= 1, found {ClipLength}.");
        if (FrameStride < 1) throw new ArgumentException($"FrameStride must be >= 1, found {FrameStride}.");
        if (TargetFps is { } fps && !(fps > 0)) throw new ArgumentException($"TargetFps must be positive, found {fps}.");
        if (ClipsPerSample < 1) throw new ArgumentException($"ClipsPerSample must be >= 1, found {ClipsPerSample}.");
        if (ClipsPerSample > 1 && Sampling != ClipSamplingMode.EvenlySpaced)
            throw new ArgumentException($"ClipsPerSample = {ClipsPerSample} needs Sampling = EvenlySpaced, found {Sampling}.");
        if (Workers < 1) throw new ArgumentException($"Workers must be >= 1, found {Workers}.");
        if (PrefetchBatches < 1) throw new ArgumentException($"PrefetchBatches must be >= 1, found {PrefetchBatches}.");
        if (SkipBudget < 0) throw new ArgumentException($"SkipBudget must be >= 0, found {SkipBudget}.");
        ArgumentNullException.ThrowIfNull(Transform);
        ArgumentNullException.ThrowIfNull(Reader);
        Transform.Validate();
        Reader.Validate();
    }
}
