namespace I3D.Net.Training;

/// <summary>
/// Everything that shapes a training run. Defaults follow the I3D paper where it says something (SGD, momentum 0.9,
/// weight decay 1e-7, step schedule 0.1 → 0.01 → 0.001); validate with <see cref="TrainingOptionsValidator"/>.
/// </summary>
public sealed class TrainingOptions
{
    /// <summary>Number of passes over the training source.</summary>
    public int Epochs { get; set; } = 1;

    /// <summary>
    /// Seed of the run: dropout and every other random draw of torch in step <c>s</c> is seeded from (Seed, s), so a
    /// resumed run repeats an uninterrupted one exactly. Data order is the source's job.
    /// </summary>
    public long Seed { get; set; } = 0;

    /// <summary>Optimizer, learning rate, momentum and weight decay.</summary>
    public OptimizerOptions Optimizer { get; set; } = new();

    /// <summary>Learning-rate schedule, evaluated per optimizer step.</summary>
    public LearningRateScheduleOptions Schedule { get; set; } = new();

    /// <summary>Number of batches whose gradients are summed (loss averaged) before one optimizer step.</summary>
    public int GradientAccumulationSteps { get; set; } = 1;

    /// <summary>Clip the global L2 norm of the gradients to this value before each step; null disables clipping.</summary>
    public double? MaxGradientNorm { get; set; }

    /// <summary>Freezing by endpoint or by state-dict key prefix.</summary>
    public FreezeOptions Freeze { get; set; } = new();

    /// <summary>How BatchNorm layers behave while training.</summary>
    public BatchNormMode BatchNorm { get; set; } = BatchNormMode.Train;

    /// <summary>How the two streams of a two-stream model are trained.</summary>
    public TwoStreamTrainingMode TwoStream { get; set; } = TwoStreamTrainingMode.Joint;

    /// <summary>What to do when the loss or the gradient norm is NaN or infinite.</summary>
    public NonFiniteLossPolicy NonFiniteLoss { get; set; } = NonFiniteLossPolicy.Skip;

    /// <summary>With <see cref="NonFiniteLossPolicy.Skip"/>: the run throws after this many skipped steps.</summary>
    public int MaxSkippedSteps { get; set; } = 10;

    /// <summary>Early stopping on a monitored metric; null disables it.</summary>
    public EarlyStoppingOptions? EarlyStopping { get; set; }

    /// <summary>Checkpointing; null writes no checkpoints.</summary>
    public CheckpointOptions? Checkpoint { get; set; }

    /// <summary>How the K clips of a sample are combined at evaluation (test-time averaging).</summary>
    public ClipAveraging ClipAveraging { get; set; } = ClipAveraging.Softmax;

    /// <summary>Device to train on, e.g. <c>"cpu"</c> or <c>"cuda:0"</c>; null picks CUDA when available, else CPU.</summary>
    public string? Device { get; set; }

    /// <summary>
    /// Numeric precision of the training forward and backward passes. <see cref="TrainingPrecision.BFloat16Mixed"/> is
    /// meant for CUDA (Ampere or newer); it also runs on the CPU, slowly, which is what the tests use.
    /// </summary>
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Float32;

    /// <summary>
    /// Train with convolution weights and clips in NDHWC strides (channels-last-3d; see
    /// <see cref="Layers.ChannelsLast3d"/>), the layout cuDNN's fastest 3D convolutions use. The model's parameters
    /// stay in that layout after the run (checkpoints are written in the reference layout either way). Needs
    /// <see cref="OptimizerOptions.FlatBuffers"/>: TorchSharp's per-tensor optimizers cannot save NDHWC state.
    /// Off by default until measured faster on the target GPU (docs/benchmarks.md); on the CPU it is neither faster nor slower.
    /// </summary>
    public bool ChannelsLast { get; set; }

    /// <summary>Evaluate on the validation source after every this many epochs (1 = every epoch).</summary>
    public int ValidateEveryEpochs { get; set; } = 1;

    /// <summary>Log the running loss every this many optimizer steps; 0 logs only per epoch.</summary>
    public int LogEverySteps { get; set; } = 50;

    /// <summary>Returns a deep copy, so a run is unaffected by later changes to these options.</summary>
    public TrainingOptions Clone()
    {
        var copy = (TrainingOptions)MemberwiseClone();
        copy.Optimizer = Optimizer.Clone();
        copy.Schedule = Schedule.Clone();
        copy.Freeze = Freeze.Clone();
        copy.EarlyStopping = EarlyStopping?.Clone();
        copy.Checkpoint = Checkpoint?.Clone();
        return copy;
    }
}

/// <summary>Optimizer settings.</summary>
public sealed class OptimizerOptions
{
    /// <summary>The optimizer algorithm.</summary>
    public OptimizerKind Kind { get; set; } = OptimizerKind.Sgd;

    /// <summary>Base learning rate; the schedule multiplies it per step.</summary>
    public double LearningRate { get; set; } = 0.1;

    /// <summary>SGD momentum (0.9 in the paper).</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Use Nesterov momentum with SGD.</summary>
    public bool Nesterov { get; set; }

    /// <summary>Weight decay (L2 for SGD, decoupled for AdamW); the reference uses 1e-7.</summary>
    public double WeightDecay { get; set; } = 1e-7;

    /// <summary>AdamW β1.</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>AdamW β2.</summary>
    public double Beta2 { get; set; } = 0.999;

    /// <summary>AdamW ε.</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>
    /// Keep each parameter group's parameters and gradients in one flat buffer and update them with a few whole-buffer
    /// kernels (<see cref="Optimizers.FlatSgd"/>, <see cref="Optimizers.FlatAdamW"/>) instead of several per tensor.
    /// Same results; meant for GPUs, where I3D's 173 tensors per stream make the per-tensor step launch-bound. On the
    /// CPU the two take about the same time. Checkpoints of one kind resume only with the same setting.
    /// </summary>
    public bool FlatBuffers { get; set; }

    /// <summary>
    /// Parameter groups with their own learning-rate multiplier (and optionally weight decay), matched by state-dict key
    /// prefix; the first matching group wins and parameters that match none form the default group.
    /// </summary>
    public List<ParameterGroupOptions> Groups { get; set; } = [];

    /// <summary>Returns a deep copy.</summary>
    public OptimizerOptions Clone()
    {
        var copy = (OptimizerOptions)MemberwiseClone();
        copy.Groups = Groups.Select(g => g with { }).ToList();
        return copy;
    }
}

/// <summary>A parameter group: parameters whose state-dict key starts with <see cref="Prefix"/>.</summary>
/// <param name="Prefix">State-dict key prefix, e.g. <c>"logits."</c> or <c>"rgb.Mixed_5"</c>.</param>
/// <param name="LearningRateMultiplier">Multiplies the scheduled learning rate for this group.</param>
/// <param name="WeightDecay">The group's weight decay, or null for the optimizer's.</param>
public sealed record ParameterGroupOptions(string Prefix, double LearningRateMultiplier = 1.0, double? WeightDecay = null);

/// <summary>Optimizer algorithms.</summary>
public enum OptimizerKind
{
    /// <summary>Stochastic gradient descent with momentum (the paper's choice).</summary>
    Sgd,

    /// <summary>Adam with decoupled weight decay.</summary>
    AdamW,
}

/// <summary>Learning-rate schedule settings; the learning rate is set per optimizer step, so a resumed run follows the same curve.</summary>
public sealed class LearningRateScheduleOptions
{
    /// <summary>Shape of the schedule after warmup.</summary>
    public LearningRateScheduleKind Kind { get; set; } = LearningRateScheduleKind.Constant;

    /// <summary>
    /// For <see cref="LearningRateScheduleKind.Piecewise"/>: the optimizer steps at which the next factor starts,
    /// ascending (one fewer than <see cref="Factors"/>).
    /// </summary>
    public List<long> Boundaries { get; set; } = [];

    /// <summary>
    /// For <see cref="LearningRateScheduleKind.Piecewise"/>: multipliers of the base learning rate per piece, e.g.
    /// <c>[1, 0.1, 0.01]</c> for the reference's 0.1 → 0.01 → 0.001 with base 0.1.
    /// </summary>
    public List<double> Factors { get; set; } = [1.0, 0.1, 0.01];

    /// <summary>For <see cref="LearningRateScheduleKind.Cosine"/>: the final learning rate as a fraction of the base.</summary>
    public double MinimumFactor { get; set; }

    /// <summary>Optimizer steps of linear warmup from <see cref="WarmupStartFactor"/> to 1 before the schedule starts.</summary>
    public long WarmupSteps { get; set; }

    /// <summary>Warmup starts at this fraction of the scheduled learning rate.</summary>
    public double WarmupStartFactor { get; set; }

    /// <summary>Returns a deep copy.</summary>
    public LearningRateScheduleOptions Clone()
    {
        var copy = (LearningRateScheduleOptions)MemberwiseClone();
        copy.Boundaries = [.. Boundaries];
        copy.Factors = [.. Factors];
        return copy;
    }
}

/// <summary>Schedule shapes.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>The base learning rate throughout.</summary>
    Constant,

    /// <summary>Piecewise constant factors that change at given steps (the reference's 0.1 → 0.01 → 0.001).</summary>
    Piecewise,

    /// <summary>Cosine decay from the base to <see cref="LearningRateScheduleOptions.MinimumFactor"/> over the run.</summary>
    Cosine,
}

/// <summary>Which parameters stay fixed.</summary>
public sealed class FreezeOptions
{
    /// <summary>
    /// Train only this I3D endpoint and the ones after it, e.g. <c>"Mixed_4b"</c> or <c>"Logits"</c> (only the
    /// classifier); null trains everything. Names are those of <c>I3DEndpoint</c>; the state-dict keys of earlier
    /// endpoints (after an <c>rgb.</c>/<c>flow.</c> stream prefix) are frozen.
    /// </summary>
    public string? TrainFromEndpoint { get; set; }

    /// <summary>Additional state-dict key prefixes to freeze, for any model.</summary>
    public List<string> FrozenPrefixes { get; set; } = [];

    /// <summary>Returns a deep copy.</summary>
    public FreezeOptions Clone() => new() { TrainFromEndpoint = TrainFromEndpoint, FrozenPrefixes = [.. FrozenPrefixes] };
}

/// <summary>BatchNorm behaviour while training.</summary>
public enum BatchNormMode
{
    /// <summary>BatchNorm normalises with batch statistics and updates its running statistics, except in frozen endpoints.</summary>
    Train,

    /// <summary>
    /// Every BatchNorm layer runs in eval mode while training: running statistics are used and never updated (the usual
    /// choice for fine-tuning with small batches). Its affine parameters still train unless frozen.
    /// </summary>
    FrozenStatistics,
}

/// <summary>Numeric precision of training.</summary>
public enum TrainingPrecision
{
    /// <summary>Everything in float32.</summary>
    Float32,

    /// <summary>
    /// bfloat16 compute with float32 master weights: a bfloat16 copy of the model, refreshed from the float32 model
    /// before every forward, runs the forward and backward passes on bfloat16 inputs; its gradients are added to the
    /// float32 parameters' gradients, which the optimizer steps. BatchNorm layers keep float32 weights and running
    /// statistics, and the loss is computed in float32. Checkpoints hold only the float32 model. Evaluation runs in
    /// float32. Meant for CUDA; on the CPU it works but is slow.
    /// </summary>
    BFloat16Mixed,
}

/// <summary>How the streams of a two-stream model learn.</summary>
public enum TwoStreamTrainingMode
{
    /// <summary>One loss on the summed logits of both streams.</summary>
    Joint,

    /// <summary>Each stream has its own loss on its own logits (as if trained separately); logits are summed at evaluation.</summary>
    Separate,
}

/// <summary>
/// What to do when a step's loss or gradient norm is not finite. Under every policy the step's parameters, optimizer
/// state and BatchNorm statistics are those from before the bad step.
/// </summary>
public enum NonFiniteLossPolicy
{
    /// <summary>Skip the optimizer step, leaving parameters and optimizer state untouched, up to <see cref="TrainingOptions.MaxSkippedSteps"/>.</summary>
    Skip,

    /// <summary>End the run gracefully (the result says why); the checkpoint written at the stop holds the model from before the bad step.</summary>
    Stop,

    /// <summary>Throw <see cref="NonFiniteLossException"/>.</summary>
    Throw,
}

/// <summary>How the clips of one sample are combined at evaluation.</summary>
public enum ClipAveraging
{
    /// <summary>Average the clips' softmax probabilities.</summary>
    Softmax,

    /// <summary>Average the clips' logits.</summary>
    Logits,
}

/// <summary>Early stopping on a monitored validation metric.</summary>
public sealed class EarlyStoppingOptions
{
    /// <summary>
    /// The monitored metric: one of <see cref="EpochMetricNames.All"/>, e.g. <c>"val_loss"</c> or <c>"val_top1"</c>
    /// (checked at startup; a validation metric needs a validation source).
    /// </summary>
    public string Monitor { get; set; } = "val_loss";

    /// <summary>Whether smaller or larger values are better.</summary>
    public MetricGoal Goal { get; set; } = MetricGoal.Minimize;

    /// <summary>Number of evaluated epochs without improvement after which the run stops.</summary>
    public int Patience { get; set; } = 3;

    /// <summary>An improvement must exceed this amount.</summary>
    public double MinDelta { get; set; }

    /// <summary>Returns a copy.</summary>
    public EarlyStoppingOptions Clone() => (EarlyStoppingOptions)MemberwiseClone();
}

/// <summary>Whether a metric improves downwards or upwards.</summary>
public enum MetricGoal
{
    /// <summary>Smaller is better (losses).</summary>
    Minimize,

    /// <summary>Larger is better (accuracies).</summary>
    Maximize,
}

/// <summary>Checkpoint settings.</summary>
public sealed class CheckpointOptions
{
    /// <summary>Folder that holds one sub-folder per checkpoint.</summary>
    public string Directory { get; set; } = "checkpoints";

    /// <summary>Write a checkpoint every this many optimizer steps (0: only at epoch ends).</summary>
    public int EverySteps { get; set; }

    /// <summary>Write a checkpoint at the end of every epoch.</summary>
    public bool EveryEpoch { get; set; } = true;

    /// <summary>Keep this many most recent checkpoints.</summary>
    public int KeepLast { get; set; } = 2;

    /// <summary>
    /// Also keep the best checkpoint by this metric (one of <see cref="EpochMetricNames.All"/>, checked at startup; a
    /// validation metric needs a validation source); null keeps none for it.
    /// </summary>
    public string? KeepBestBy { get; set; }

    /// <summary>Whether smaller or larger values of <see cref="KeepBestBy"/> are better.</summary>
    public MetricGoal KeepBestGoal { get; set; } = MetricGoal.Minimize;

    /// <summary>Resume from the latest valid checkpoint in <see cref="Directory"/> when one exists.</summary>
    public bool Resume { get; set; } = true;

    /// <summary>Returns a copy.</summary>
    public CheckpointOptions Clone() => (CheckpointOptions)MemberwiseClone();
}
