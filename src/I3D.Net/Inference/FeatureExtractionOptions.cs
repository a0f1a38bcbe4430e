using I3D.Net.Data;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Models;
using I3D.Net.Runtime;

namespace I3D.Net.Inference;

/// <summary>
/// Settings of <see cref="FeatureExtractor"/>. The defaults are the usual I3D features: Mixed_5c average-pooled to 1024
/// values, one centre clip of 64 frames per video at 25 fps, short side 256, centre crop 224, saved as <c>.npy</c>.
/// </summary>
public sealed record FeatureExtractionOptions
{
    /// <summary>The layer whose output is saved; the model must be built at least up to it (<see cref="InceptionI3D.FinalEndpoint"/>).</summary>
    public I3DEndpoint Endpoint { get; init; } = I3DEndpoint.Mixed_5c;

    /// <summary>A vector per clip (<see cref="FeaturePooling.Average"/>, the default) or the endpoint's whole output.</summary>
    public FeaturePooling Pooling { get; init; } = FeaturePooling.Average;

    /// <summary>One clip per video (the default) or sliding windows.</summary>
    public FeatureWindowing Windowing { get; init; } = FeatureWindowing.PerVideo;

    /// <summary>Frames per clip or window, at <see cref="FramesPerSecond"/> (64, what I3D was trained on).</summary>
    public int Frames { get; init; } = 64;

    /// <summary>With <see cref="FeatureWindowing.PerWindow"/>, frames between the starts of consecutive windows (32).</summary>
    public int Stride { get; init; } = 32;

    /// <summary>Resample each video to this frame rate first (25, as Kinetics was); null reads every decoded frame.</summary>
    public double? FramesPerSecond { get; init; } = 25;

    /// <summary>Resize and crop (the evaluation defaults: short side 256, centre crop 224); random crops and flips are refused, features must not depend on chance.</summary>
    public ClipTransformOptions Transform { get; init; } = ClipTransformOptions.Evaluation;

    /// <summary>Clips in one forward pass; more is faster on a GPU and needs more memory.</summary>
    public int BatchSize { get; init; } = 4;

    /// <summary>The file written per video (<c>.npy</c> by default).</summary>
    public FeatureFileFormat Format { get; init; } = FeatureFileFormat.Npy;

    /// <summary>
    /// The part of the dataset this run extracts (<see cref="DatasetShard.Whole"/> by default); videos of other shards
    /// are only counted (<see cref="FeatureExtractionSummary.InOtherShards"/>). See docs/scale.md.
    /// </summary>
    public DatasetShard Shard { get; init; } = DatasetShard.Whole;

    /// <summary>Where the model runs: CUDA when available by default (<see cref="ComputeDevice.Auto"/>).</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    /// <summary>How videos are opened (the library's <see cref="VideoReader"/>).</summary>
    public VideoReaderOptions Reader { get; init; } = VideoReaderOptions.Default;

    /// <summary>
    /// For a flow model, the root of precomputed flow folders (<see cref="Flow.FlowLayout"/>, as <see cref="Flow.FlowExtractor"/>
    /// writes them for the same video root); null computes each video's flow on the fly with the extractor's flow method.
    /// </summary>
    public string? FlowRoot { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option; with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("feature extraction options");
        void Require(bool ok, string name, object? value, string expected) =>
            errors.Require(ok, $"Feature extraction option {name} must be {expected}; found {value?.ToString() ?? "null"}.", name);

        Require(Enum.IsDefined(Endpoint), nameof(Endpoint), Endpoint, "an I3DEndpoint");
        Require(Enum.IsDefined(Pooling), nameof(Pooling), Pooling, "Average or None");
        Require(Enum.IsDefined(Windowing), nameof(Windowing), Windowing, "PerVideo or PerWindow");
        Require(Frames >= 1, nameof(Frames), Frames, "at least 1");
        Require(Stride >= 1, nameof(Stride), Stride, "at least 1");
        Require(FramesPerSecond is null || (FramesPerSecond > 0 && double.IsFinite(FramesPerSecond.Value)), nameof(FramesPerSecond), FramesPerSecond,
            "null or a finite rate > 0");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        Require(Enum.IsDefined(Format), nameof(Format), Format, "Npy or SafeTensors");
        Require(Enum.IsDefined(Device), nameof(Device), Device, "Auto, Cpu or Cuda");
        Require(Shard is not null, nameof(Shard), Shard, "set (DatasetShard.Whole for the whole dataset)");
        Require(Reader is not null, nameof(Reader), Reader, "set");
        Reader?.Collect(errors);
        Require(Transform is not null, nameof(Transform), Transform, "set");
        if (Transform is not null)
        {
            Require(!Transform.RandomCrop && Transform.FlipProbability == 0 && Transform.Brightness == 0 && Transform.Contrast == 0 && Transform.Saturation == 0,
                nameof(Transform), "a random augmentation", "deterministic (no random crop, flip or colour jitter)");
            Transform.Collect(errors);
        }
        Require(FlowRoot is null || FlowRoot.Length > 0, nameof(FlowRoot), "''", "null or a folder");
        errors.ThrowIfAny();
    }
}
