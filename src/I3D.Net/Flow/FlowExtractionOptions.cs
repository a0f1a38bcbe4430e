using I3D.Net.Data;
using I3D.Net.Data.Video;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>Settings of <see cref="FlowExtractor"/>.</summary>
public sealed record FlowExtractionOptions
{
    /// <summary>Clipping bound in pixels before quantisation to 8 bits (20, the I3D flow stream's range).</summary>
    public double Bound { get; init; } = FlowQuantization.DefaultBound;

    /// <summary>JPEG quality 0–100 of the written x/y images (OpenCV's default, 95).</summary>
    public int JpegQuality { get; init; } = 95;

    /// <summary>Frame pairs handed to the flow method per call (larger batches keep a GPU busy).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Videos processed at the same time.</summary>
    public int MaxDegreeOfParallelism { get; init; } = 1;

    /// <summary>Resize every frame to this size (width, height) before computing flow, e.g. (340, 256); null keeps the video's size.</summary>
    public (int Width, int Height)? FrameSize { get; init; }

    /// <summary>
    /// Resample each video to this frame rate before computing flow (as the data pipeline resamples RGB), so pair
    /// <c>i</c> is frames <c>i</c>→<c>i + 1</c> at this rate; null (the default) computes flow between every decoded
    /// frame at the video's own rate, which lets the loader align flow with RGB at any target rate.
    /// </summary>
    public double? TargetFps { get; init; }

    /// <summary>How videos are opened (the library's <see cref="VideoReader"/>: OpenCV with the FFmpeg fallback for AV1).</summary>
    public VideoReaderOptions Reader { get; init; } = VideoReaderOptions.Default;

    /// <summary>
    /// The part of the dataset this run extracts (<see cref="DatasetShard.Whole"/> by default): videos whose path
    /// relative to the dataset root is in another shard are neither read nor written nor reported, only counted in
    /// <see cref="FlowExtractionSummary.InOtherShards"/>. N processes with shards 1/N … N/N write disjoint folders of
    /// the same output tree (see docs/scale.md).
    /// </summary>
    public DatasetShard Shard { get; init; } = DatasetShard.Whole;

    /// <summary>Device on which frame tensors are created for the flow method (null: CPU).</summary>
    public Device? Device { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("flow extraction options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        void Require(bool ok, string name, object? value, string expected) =>
            errors.Require(ok, $"Flow extraction option {name} must be {expected}; found {value}.", name);

        Require(Bound > 0 && double.IsFinite(Bound), nameof(Bound), Bound, "a finite number > 0");
        Require(JpegQuality is >= 0 and <= 100, nameof(JpegQuality), JpegQuality, "in 0–100");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        Require(MaxDegreeOfParallelism >= 1, nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "at least 1");
        Require(TargetFps is null || (TargetFps > 0 && double.IsFinite(TargetFps.Value)), nameof(TargetFps), TargetFps, "null or a finite rate > 0");
        Require(Reader is not null, nameof(Reader), Reader, "set");
        Require(Shard is not null, nameof(Shard), Shard, "set (DatasetShard.Whole for the whole dataset)");
        Reader?.Collect(errors);
        Require(FrameSize is null || (FrameSize.Value.Width >= 2 && FrameSize.Value.Height >= 2), nameof(FrameSize), FrameSize,
            "null or at least 2×2 pixels");
    }
}
