using I3D.Net.Runtime;
using I3D.Net.Weights;
using I3D.Net.Models;

namespace I3D.Net.Inference;

/// <summary>
/// How <see cref="VideoClassifier"/> prepares a video: the defaults are the Kinetics conventions of the published I3D
/// weights (<see cref="I3DWeights"/>' <see cref="InputConventions"/>): 25 fps, short side 256, centre crop 224, RGB in
/// [-1, 1], the whole video at once.
/// </summary>
public sealed record VideoClassifierOptions
{
    /// <summary>The defaults.</summary>
    public static VideoClassifierOptions Default { get; } = new();

    /// <summary>Whole video at once (the paper's evaluation) or evenly spaced clips.</summary>
    public TemporalSampling Sampling { get; init; } = TemporalSampling.WholeVideo;

    /// <summary>
    /// With <see cref="TemporalSampling.WholeVideo"/>, the most frames (at <see cref="FramesPerSecond"/>) read at once:
    /// a longer video is read from its centre <c>MaxFrames</c> frames (the prediction's clips say which). 250 is a
    /// 10-second Kinetics clip at 25 fps; use <see cref="VideoClassifier.PredictTimeline"/> for long videos.
    /// </summary>
    public int MaxFrames { get; init; } = 250;

    /// <summary>With <see cref="TemporalSampling.Clips"/>, how many evenly spaced clips are read (N).</summary>
    public int Clips { get; init; } = 10;

    /// <summary>With <see cref="TemporalSampling.Clips"/>, frames per clip (I3D trained on 64).</summary>
    public int ClipLength { get; init; } = 64;

    /// <summary>
    /// Spatial crops per clip: 1 (centre) or 3 (both ends and the centre of the longer side, as in the
    /// three-crop testing of video networks). Their logits are averaged.
    /// </summary>
    public int Crops { get; init; } = 1;

    /// <summary>Resize frames so the shorter side is this many pixels (256); null keeps the decoded size.</summary>
    public int? ShortSide { get; init; } = 256;

    /// <summary>Square crop size (224); null keeps the whole (resized) frame and then <see cref="Crops"/> must be 1.</summary>
    public int? CropSize { get; init; } = 224;

    /// <summary>Resample the video to this frame rate first (25, as Kinetics was); null reads every decoded frame.</summary>
    public double? FramesPerSecond { get; init; } = 25;

    /// <summary>Where the model runs: CUDA when available by default (<see cref="ComputeDevice.Auto"/>).</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    /// <summary>Clips (times crops) in one forward pass; more is faster on a GPU and needs more memory.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>Frame pairs handed to the optical-flow method at once (two-stream and flow models).</summary>
    public int FlowBatchSize { get; init; } = 8;

    /// <summary>
    /// How to compute optical flow for flow and two-stream models, overriding what the checkpoint recorded (null: the
    /// checkpoint's <see cref="Flow.FlowSettings"/>, else <see cref="VideoClassifier.DefaultFlow"/>). Set it only for
    /// weights whose training flow was made differently from what they record.
    /// </summary>
    public Flow.FlowSettings? Flow { get; init; }

    /// <summary>The options for a set of published weights: their frame rate; short side 256 and crop of their size.</summary>
    /// <param name="conventions">The weights' input conventions, e.g. <c>I3DWeights.Kinetics400Rgb.Input</c>.</param>
    public static VideoClassifierOptions For(InputConventions conventions)
    {
        ArgumentNullException.ThrowIfNull(conventions);
        return new VideoClassifierOptions { FramesPerSecond = conventions.FramesPerSecond, CropSize = conventions.Height };
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every option out of range (the flow settings' included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("VideoClassifier options");
        void Require(bool ok, string name, object? value, string expected) =>
            errors.Require(ok, $"VideoClassifierOptions.{name} must be {expected}; found {value?.ToString() ?? "null"}.", name);

        Require(Enum.IsDefined(Sampling), nameof(Sampling), Sampling, "WholeVideo or Clips");
        Require(MaxFrames >= 1, nameof(MaxFrames), MaxFrames, "at least 1");
        Require(Clips >= 1, nameof(Clips), Clips, "at least 1");
        Require(ClipLength >= 1, nameof(ClipLength), ClipLength, "at least 1");
        Require(Crops is 1 or 3, nameof(Crops), Crops, "1 or 3");
        Require(ShortSide is null or > 0, nameof(ShortSide), ShortSide, "null or positive");
        Require(CropSize is null or >= 1, nameof(CropSize), CropSize, "null or positive");
        Require(ShortSide is null || CropSize is null || CropSize <= ShortSide, nameof(CropSize), CropSize, $"at most ShortSide ({ShortSide})");
        Require(CropSize is not null || Crops == 1, nameof(Crops), Crops, "1 when CropSize is null (nothing to crop)");
        Require(FramesPerSecond is null || (FramesPerSecond > 0 && double.IsFinite(FramesPerSecond.Value)), nameof(FramesPerSecond), FramesPerSecond, "null or a finite rate > 0");
        Require(Enum.IsDefined(Device), nameof(Device), Device, "Auto, Cpu or Cuda");
        Require(BatchSize >= 1, nameof(BatchSize), BatchSize, "at least 1");
        Require(FlowBatchSize >= 1, nameof(FlowBatchSize), FlowBatchSize, "at least 1");
        Flow?.Collect(errors);
        errors.ThrowIfAny();
    }
}
