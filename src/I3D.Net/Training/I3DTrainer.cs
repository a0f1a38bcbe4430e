using System.Globalization;
using System.Runtime.CompilerServices;
using I3D.Net.Data;
using I3D.Net.Layers;
using I3D.Net.Runtime;
using I3D.Net.Training.Optimizers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Training;

/// <summary>
/// Trains and evaluates a classifier (an <see cref="ClassifierAdapter"/>: InceptionI3D on RGB or flow, or two streams)
/// on <see cref="IClipBatchSource"/>s: SGD/AdamW, per-step schedules, accumulation, clipping, freezing, checkpoints
/// with exact resume, non-finite-loss policy, early stopping and callbacks. One run at a time per trainer.
/// </summary>
public sealed class I3DTrainer
{
    private readonly ClassifierAdapter _model;
    private readonly TrainingOptions _defaults;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<ITrainingCallback> _callbacks;
    private readonly ICheckpointFileSystem _fileSystem;
    private int _busy;

    /// <summary>Creates a trainer for <paramref name="model"/>.</summary>
    /// <param name="model">The model and the inputs it reads.</param>
    /// <param name="options">Options used when a call passes none (validated now).</param>
    /// <param name="logger">Logger; none when null.</param>
    /// <param name="callbacks">User hooks, called in order.</param>
    /// <param name="fileSystem">File operations for checkpoints; the local file system when null.</param>
    public I3DTrainer(ClassifierAdapter model, TrainingOptions? options = null, ILogger<I3DTrainer>? logger = null,
        IEnumerable<ITrainingCallback>? callbacks = null, ICheckpointFileSystem? fileSystem = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _defaults = (options ?? new TrainingOptions()).Clone();
        TrainingOptionsValidator.ThrowIfInvalid(_defaults);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _callbacks = callbacks?.ToList() ?? [];
        _fileSystem = fileSystem ?? PhysicalCheckpointFileSystem.Instance;
    }

    /// <summary>The model being trained.</summary>
    public ClassifierAdapter Model => _model;

    /// <summary>A copy of the options used when a call passes none.</summary>
    public TrainingOptions DefaultOptions => _defaults.Clone();

    /// <summary>The device for a device option: the named one, else CUDA when available, else CPU.</summary>
    public static Device ResolveDevice(string? device) =>
        device is not null ? I3DRuntime.ResolveDevice(device) : I3DRuntime.ResolveDevice(ComputeDevice.Auto);

    /// <summary>
    /// Trains on <paramref name="train"/>, validating on <paramref name="validation"/> after epochs. With checkpointing
    /// on and a valid checkpoint in its folder, continues from there. The model is moved to the training device and
    /// stays there. Cancellation stops before the next batch and leaves the last complete checkpoint intact.
    /// </summary>
    public async Task<TrainingResult> FitAsync(IClipBatchSource train, IClipBatchSource? validation = null, TrainingOptions? options = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        var o = (options ?? _defaults).Clone();
        TrainingOptionsValidator.ThrowIfInvalid(o);
        if (train.BatchesPerEpoch < 1)
            throw new ArgumentException($"The training source must have at least one batch per epoch, found {train.BatchesPerEpoch}.", nameof(train));
        if (train.ClassNames.Count < 1)
            throw new ArgumentException("The training source has no class names.", nameof(train));
        if (validation is not null && validation.ClassNames.Count != train.ClassNames.Count)
            throw new ArgumentException(
                $"The validation source has {validation.ClassNames.Count} classes, the training source {train.ClassNames.Count}.", nameof(validation));
        if (validation is null)
        {
            // Validation metrics never exist without a validation source: a monitor on one would never fire.
            if (o.EarlyStopping is { } es && EpochMetricNames.IsValidation(es.Monitor))
                throw new ArgumentException($"EarlyStopping.Monitor \"{es.Monitor}\" is a validation metric, but no validation source was given; use one of {string.Join(", ", EpochMetricNames.Training)} or pass a validation source.", nameof(validation));
            if (o.Checkpoint?.KeepBestBy is { } best && EpochMetricNames.IsValidation(best))
                throw new ArgumentException($"Checkpoint.KeepBestBy \"{best}\" is a validation metric, but no validation source was given; use one of {string.Join(", ", EpochMetricNames.Training)} or pass a validation source.", nameof(validation));
        }

        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException("This trainer is already running; one FitAsync at a time per trainer.");
        try
        {
            return await FitCoreAsync(train, validation, o, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private async Task<TrainingResult> FitCoreAsync(IClipBatchSource train, IClipBatchSource? validation, TrainingOptions o,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        using var run = new Run(_model, o, train.BatchesPerEpoch, train.ClassNames.Count);
        var state = new TrainerState { Seed = o.Seed, ClassNames = [.. train.ClassNames], Options = o, Flow = train.FlowSettings };
        var store = o.Checkpoint is { } c ? new CheckpointStore(c.Directory, _fileSystem, _logger) : null;
        string? resumedFrom = null, lastCheckpoint = null;
        long checkpointedStep = -1;
        if (store is not null && o.Checkpoint!.Resume && store.FindLatestValid() is { } latest)
        {
            CheckResumeCompatible(latest.State, o, train);
            store.Load(latest.Path, _model.Module, run.Optimizer);
            state = latest.State;
            state.Options = o;
            resumedFrom = lastCheckpoint = latest.Path;
            checkpointedStep = state.Step;
            TrainingLog.Resumed(_logger, latest.Path, state.Epoch, state.BatchInEpoch, state.Step);
        }

        TrainingLog.Started(_logger, run.Device.ToString(), o.Epochs, run.StepsPerEpoch, run.TrainableCount, run.ParameterCount);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var firstStep = state.Step;   // steps before a resume cost this run nothing: the time left is extrapolated from the others
        if (run.Mixed is { } mixedCopy) TrainingLog.MixedPrecision(_logger, mixedCopy.BatchNormCount);
        var stopReason = TrainingStopReason.Completed;
        var begin = new TrainingBeginContext { Module = _model.Module, StartEpoch = state.Epoch, StartStep = state.Step, TotalSteps = run.TotalSteps };
        foreach (var cb in _callbacks) cb.OnTrainBegin(begin);
        if (begin.StopRequested) stopReason = TrainingStopReason.StopRequested;

        try
        {
            var batches = train.BatchesPerEpoch;
            while (stopReason == TrainingStopReason.Completed && state.Epoch < o.Epochs)
            {
                var epoch = state.Epoch;
                run.SetTrainMode();
                var b = state.BatchInEpoch;
                var poisoned = false;
                await foreach (var batch in train.ReadEpochAsync(epoch, b, cancellationToken).WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    double loss;
                    int groupStart, groupSize;
                    using (batch)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        if (b >= batches)
                            throw new InvalidDataException($"The training source declared {batches} batches per epoch but produced more in epoch {epoch}.");
                        groupStart = b - b % o.GradientAccumulationSteps;
                        groupSize = Math.Min(o.GradientAccumulationSteps, batches - groupStart);
                        if (b == groupStart) run.BeginGroup();
                        loss = TrainBatch(run, batch, (long)epoch * batches + b, groupSize, state, out var finite);
                        poisoned |= !finite;
                    }
                    b++;
                    if (b - groupStart < groupSize) continue;

                    var (lr, skipped) = Step(run, poisoned, state.Step);
                    poisoned = false;
                    state.Step++;
                    state.BatchInEpoch = b;
                    if (skipped)
                    {
                        state.SkippedSteps++;
                        if (o.NonFiniteLoss == NonFiniteLossPolicy.Throw)
                            throw new NonFiniteLossException($"Non-finite loss or gradient norm at step {state.Step - 1} (epoch {epoch}, batch {b - 1}).");
                        if (o.NonFiniteLoss == NonFiniteLossPolicy.Stop)
                        {
                            TrainingLog.NonFiniteStop(_logger, state.Step - 1);
                            stopReason = TrainingStopReason.NonFiniteLoss;
                        }
                        else
                        {
                            TrainingLog.StepSkipped(_logger, state.Step - 1, state.SkippedSteps);
                            if (state.SkippedSteps > o.MaxSkippedSteps)
                                throw new NonFiniteLossException($"{state.SkippedSteps} steps had a non-finite loss or gradient norm, more than MaxSkippedSteps = {o.MaxSkippedSteps}.");
                        }
                    }

                    var p = new TrainingProgress(epoch, o.Epochs, b, batches, state.Step, run.TotalSteps, loss, lr, skipped)
                    {
                        Timing = ProgressTiming.Measure(state.Step, run.TotalSteps, clock.Elapsed, firstStep),
                    };
                    progress?.Report(p);
                    if (o.LogEverySteps > 0 && state.Step % o.LogEverySteps == 0) TrainingLog.StepDone(_logger, state.Step, loss, lr);
                    var stepContext = new StepEndContext { Module = _model.Module, Progress = p };
                    foreach (var cb in _callbacks) cb.OnStepEnd(stepContext);
                    if (stepContext.StopRequested && stopReason == TrainingStopReason.Completed)
                    {
                        TrainingLog.StopRequested(_logger, state.Step);
                        stopReason = TrainingStopReason.StopRequested;
                    }
                    if (stopReason != TrainingStopReason.Completed) break;
                    // At an epoch's last batch this checkpoint precedes validation; a resume from it runs the epoch end.
                    if (store is not null && o.Checkpoint!.EverySteps > 0 && state.Step % o.Checkpoint.EverySteps == 0)
                    {
                        lastCheckpoint = WriteCheckpoint(store, run, state);
                        checkpointedStep = state.Step;
                    }
                }

                if (stopReason != TrainingStopReason.Completed)
                {
                    if (store is not null && state.BatchInEpoch < batches) lastCheckpoint = WriteCheckpoint(store, run, state);
                    if (state.BatchInEpoch < batches) break;
                }
                else if (b != batches)
                {
                    throw new InvalidDataException($"The training source declared {batches} batches per epoch but produced {b} in epoch {epoch}.");
                }

                // The epoch's training is saved before validation runs, so a validation that fails (unreadable videos
                // beyond the skip budget, say) costs only itself: a resume from this checkpoint runs the epoch end.
                if (store is not null && checkpointedStep != state.Step && WillValidate(o, validation, epoch)
                    && (o.Checkpoint!.EveryEpoch || o.Checkpoint.KeepBestBy is not null || epoch + 1 == o.Epochs))
                {
                    lastCheckpoint = WriteCheckpoint(store, run, state);
                    checkpointedStep = state.Step;
                }

                // End of epoch: metrics, validation, early stopping, callbacks, checkpoint.
                var record = await EndEpochAsync(run, state, validation, cancellationToken).ConfigureAwait(false);
                state.History.Add(record);
                state.Epoch = epoch + 1;
                state.BatchInEpoch = 0;
                state.EpochLossSum = 0;
                state.EpochSamples = 0;
                state.EpochCorrect = 0;
                TrainingLog.EpochDone(_logger, epoch, state.Step, FormatMetrics(record.Metrics));

                if (stopReason == TrainingStopReason.Completed && UpdateEarlyStopping(o, state, record))
                    stopReason = TrainingStopReason.EarlyStopped;
                var epochContext = new EpochEndContext { Module = _model.Module, Record = record };
                foreach (var cb in _callbacks) cb.OnEpochEnd(epochContext);
                if (epochContext.StopRequested && stopReason == TrainingStopReason.Completed)
                {
                    TrainingLog.StopRequested(_logger, state.Step);
                    stopReason = TrainingStopReason.StopRequested;
                }

                if (store is not null)
                {
                    var improved = UpdateBest(o.Checkpoint!, state, record);
                    var everySteps = o.Checkpoint!.EverySteps > 0 && state.Step % o.Checkpoint.EverySteps == 0;
                    if (o.Checkpoint.EveryEpoch || everySteps || improved || stopReason != TrainingStopReason.Completed || state.Epoch == o.Epochs)
                        lastCheckpoint = WriteCheckpoint(store, run, state);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            TrainingLog.Cancelled(_logger, state.Step);
            throw;
        }

        var result = new TrainingResult
        {
            StopReason = stopReason,
            EpochsCompleted = state.History.Count,
            Steps = state.Step,
            SkippedSteps = state.SkippedSteps,
            History = new TrainingHistory(state.History),
            ResumedFrom = resumedFrom,
            LastCheckpoint = lastCheckpoint,
            BestCheckpoint = store is not null && state.BestCheckpoint is { } best ? Path.Combine(store.Directory, best) : null,
        };
        foreach (var cb in _callbacks) cb.OnTrainEnd(result);
        return result;
    }

    /// <summary>
    /// Evaluates the model on <paramref name="source"/>: the K clips of each sample are combined as
    /// <see cref="TrainingOptions.ClipAveraging"/> says and two-stream logits are summed.
    /// </summary>
    public async Task<EvaluationMetrics> EvaluateAsync(IClipBatchSource source, TrainingOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var o = (options ?? _defaults).Clone();
        TrainingOptionsValidator.ThrowIfInvalid(o);
        var device = ResolveDevice(o.Device);
        _model.Module.to(device);
        return await EvaluateCoreAsync(source, o, device, cancellationToken).ConfigureAwait(false);
    }

    private async Task<EvaluationMetrics> EvaluateCoreAsync(IClipBatchSource source, TrainingOptions o, Device device, CancellationToken ct)
    {
        var numClasses = source.ClassNames.Count;
        if (numClasses < 1) throw new ArgumentException("The evaluation source has no class names.", nameof(source));
        var metrics = new ClassificationMetrics(numClasses);
        var module = _model.Module;
        var wasTraining = module.training;
        module.eval();
        try
        {
            await foreach (var batch in source.ReadEpochAsync(0, 0, ct).WithCancellation(ct).ConfigureAwait(false))
            {
                using (batch)
                {
                    ct.ThrowIfCancellationRequested();
                    EvaluateBatch(batch, o, device, numClasses, metrics);
                }
            }
        }
        finally
        {
            module.train(wasTraining);
        }
        return metrics.Compute();
    }

    private void EvaluateBatch(ClipBatch batch, TrainingOptions o, Device device, int numClasses, ClassificationMetrics metrics)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // NDHWC clips for a model trained channels-last (it keeps that layout); either layout gives the same logits.
        var logits = Fuse(_model, _model.ForwardStreams(batch, x => o.ChannelsLast && x.ndim == 5 ? ChannelsLast3d.Apply(x.to(device)) : x.to(device)), batch, numClasses).to(ScalarType.Float32);
        var labels = batch.Labels.to(device);
        var perSample = logits.reshape(batch.Count, batch.ClipsPerSample, numClasses);
        Tensor scores, logProbabilities;
        if (o.ClipAveraging == ClipAveraging.Softmax)
        {
            scores = perSample.softmax(2).mean([1]);
            logProbabilities = scores.clamp_min(1e-30).log();
        }
        else
        {
            scores = perSample.mean([1]);
            logProbabilities = scores.log_softmax(1);
        }
        var lossSum = nn.functional.nll_loss(logProbabilities, labels, reduction: nn.Reduction.Sum).cpu().to(ScalarType.Float64).item<double>();
        metrics.Add(scores, labels, lossSum);
    }

    private double TrainBatch(Run run, ClipBatch batch, long globalBatch, int groupSize, TrainerState state, out bool finite)
    {
        using var scope = NewDisposeScope();
        using var grad = enable_grad();
        // Seeding per batch makes dropout a function of (seed, position), so a resumed run draws the same masks.
        using (random.manual_seed(BatchSeed(run.Options.Seed, globalBatch))) { }
        // Mixed precision: the bfloat16 copy, refreshed from the float32 masters, runs forward and backward.
        var mixed = run.Mixed;
        mixed?.Refresh();
        var adapter = mixed?.Adapter ?? _model;
        var streams = mixed is null
            ? adapter.ForwardStreams(batch, x => run.Layout(x.to(run.Device)))
            : adapter.ForwardStreams(batch, x => run.Layout(mixed.PrepareInput(x, run.Device)));
        // Statistics go back at once, so a skipped group restores the masters' and the next refresh sees them.
        mixed?.CopyStatisticsToMasters();
        var labels = batch.Labels.to(run.Device);
        if (batch.ClipsPerSample > 1) labels = labels.repeat_interleave(batch.ClipsPerSample);
        var fused = Fuse(adapter, streams, batch, run.NumClasses);
        // The loss is always float32.
        var loss = run.Options.TwoStream == TwoStreamTrainingMode.Separate && streams.Count > 1
            ? streams.Select(s => nn.functional.cross_entropy(s.to(ScalarType.Float32), labels)).Aggregate((a, x) => a + x)
            : nn.functional.cross_entropy(fused.to(ScalarType.Float32), labels);
        var value = (double)loss.cpu().item<float>();
        finite = double.IsFinite(value);
        if (!finite) return value;
        (groupSize == 1 ? loss : loss / groupSize).backward();
        mixed?.MoveGradientsToMasters();
        var correct = fused.detach().argmax(1).eq(labels).sum().cpu().item<long>();
        state.EpochLossSum += value * labels.shape[0];
        state.EpochSamples += labels.shape[0];
        state.EpochCorrect += correct;
        return value;
    }

    private static (double LearningRate, bool Skipped) Step(Run run, bool poisoned, long step)
    {
        using var scope = NewDisposeScope();
        var lr = run.Schedule.At(step);
        foreach (var (group, multiplier) in run.Groups) group.LearningRate = lr * multiplier;
        var skip = poisoned;
        if (!skip && run.Options.MaxGradientNorm is { } max)
            skip = !double.IsFinite(nn.utils.clip_grad_norm_(run.Trainable, max));
        if (skip) run.RestoreGroup();
        else run.Optimizer.step();
        run.Optimizer.zero_grad();
        run.EndGroup();
        return (lr, skip);
    }

    private static Tensor Fuse(ClassifierAdapter adapter, IReadOnlyList<Tensor> streams, ClipBatch batch, int numClasses)
    {
        if (streams.Count == 0) throw new InvalidOperationException("The model adapter returned no logits.");
        foreach (var s in streams)
        {
            if (s.ndim != 2 || s.shape[0] != (long)batch.Count * batch.ClipsPerSample || s.shape[1] != numClasses)
                throw new InvalidOperationException(
                    $"Expected logits of shape [{batch.Count * batch.ClipsPerSample}, {numClasses}] (clips × classes of the source), found [{string.Join(", ", s.shape)}].");
        }
        return adapter.Fuse(streams);
    }

    private async Task<EpochRecord> EndEpochAsync(Run run, TrainerState state, IClipBatchSource? validation, CancellationToken ct)
    {
        var metrics = new Dictionary<string, double>
        {
            [EpochMetricNames.TrainLoss] = state.EpochSamples == 0 ? double.NaN : state.EpochLossSum / state.EpochSamples,
            [EpochMetricNames.TrainTop1] = state.EpochSamples == 0 ? double.NaN : (double)state.EpochCorrect / state.EpochSamples,
            [EpochMetricNames.LearningRate] = run.Schedule.At(Math.Max(0, state.Step - 1)),
        };
        if (WillValidate(run.Options, validation, state.Epoch))
        {
            var v = await EvaluateCoreAsync(validation, run.Options, run.Device, ct).ConfigureAwait(false);
            foreach (var (k, value) in v.ToDictionary(EpochMetricNames.ValidationPrefix)) metrics[k] = value;
        }
        return new EpochRecord { Epoch = state.Epoch, Step = state.Step, Metrics = metrics };
    }

    private static bool WillValidate(TrainingOptions o, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] IClipBatchSource? validation, int epoch) =>
        validation is not null && (epoch + 1) % o.ValidateEveryEpochs == 0;

    private bool UpdateEarlyStopping(TrainingOptions o, TrainerState state, EpochRecord record)
    {
        if (o.EarlyStopping is not { } es) return false;
        // The name was checked at startup; a validation metric is absent in epochs without validation.
        if (!record.Metrics.TryGetValue(es.Monitor, out var value)) return false;
        if (state.EarlyStoppingBest is not { } best || IsBetter(value, best, es.Goal, es.MinDelta))
        {
            state.EarlyStoppingBest = value;
            state.EpochsWithoutImprovement = 0;
            return false;
        }
        state.EpochsWithoutImprovement++;
        if (state.EpochsWithoutImprovement < es.Patience) return false;
        TrainingLog.EarlyStopped(_logger, record.Epoch, es.Monitor, best, es.Patience);
        return true;
    }

    private static bool UpdateBest(CheckpointOptions c, TrainerState state, EpochRecord record)
    {
        if (c.KeepBestBy is not { } key || !record.Metrics.TryGetValue(key, out var value) || !double.IsFinite(value)) return false;
        if (state.BestCheckpointMetric is { } best && !IsBetter(value, best, c.KeepBestGoal, 0)) return false;
        state.BestCheckpointMetric = value;
        state.BestCheckpoint = CheckpointStore.NameFor(state.Step);
        return true;
    }

    private static bool IsBetter(double value, double best, MetricGoal goal, double minDelta) =>
        goal == MetricGoal.Minimize ? value < best - minDelta : value > best + minDelta;

    private string WriteCheckpoint(CheckpointStore store, Run run, TrainerState state)
    {
        string path;
        using (var scope = NewDisposeScope())
            path = store.Save(_model.Module.state_dict(), run.Optimizer, state);
        store.Prune(run.Options.Checkpoint!.KeepLast, state.BestCheckpoint);
        TrainingLog.CheckpointWritten(_logger, path);
        return path;
    }

    private void CheckResumeCompatible(TrainerState saved, TrainingOptions now, IClipBatchSource train)
    {
        if (saved.ClassNames.Count != train.ClassNames.Count)
            throw new InvalidDataException($"The checkpoint was trained on {saved.ClassNames.Count} classes, the training source has {train.ClassNames.Count}.");
        void Compare<T>(string name, T a, T? b)
        {
            if (b is not null && !EqualityComparer<T>.Default.Equals(a, b))
                TrainingLog.ResumeMismatch(_logger, name, Convert.ToString(a, CultureInfo.InvariantCulture) ?? "", Convert.ToString(b, CultureInfo.InvariantCulture) ?? "");
        }
        Compare("Seed", now.Seed, saved.Seed);
        if (saved.Options is { } then)
        {
            Compare("GradientAccumulationSteps", now.GradientAccumulationSteps, then.GradientAccumulationSteps);
            Compare("Optimizer.LearningRate", now.Optimizer.LearningRate, then.Optimizer.LearningRate);
            Compare("Epochs", now.Epochs, then.Epochs);
            Compare("Precision", now.Precision, then.Precision);
            Compare("Optimizer.FlatBuffers", now.Optimizer.FlatBuffers, then.Optimizer.FlatBuffers);
        }
        if (!saved.ClassNames.SequenceEqual(train.ClassNames))
            TrainingLog.ResumeMismatch(_logger, "ClassNames", string.Join(",", train.ClassNames), string.Join(",", saved.ClassNames));
    }

    private static string FormatMetrics(Dictionary<string, double> metrics) =>
        string.Join(", ", metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value.ToString("G6", CultureInfo.InvariantCulture)}"));

    /// <summary>A well-mixed seed for (run seed, global batch index): SplitMix64 of their combination.</summary>
    internal static long BatchSeed(long seed, long globalBatch)
    {
        unchecked
        {
            var z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)globalBatch + 0x632BE59BD9B4E019UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)((z ^ (z >> 31)) & long.MaxValue);
        }
    }

    /// <summary>Per-run state: device, parameter groups, optimizer, schedule, BatchNorm bookkeeping.</summary>
    private sealed class Run : IDisposable
    {
        private readonly nn.Module _module;
        private readonly List<(string Name, BatchNorm Module)> _batchNorms;
        private readonly List<string> _frozenPrefixes;
        private List<(Tensor Buffer, Tensor Copy)>? _snapshot;

        public Run(ClassifierAdapter model, TrainingOptions o, int batchesPerEpoch, int numClasses)
        {
            Options = o;
            NumClasses = numClasses;
            Device = ResolveDevice(o.Device);
            _module = model.Module;
            _module.to(Device); // replaces parameters on a device change, so the optimizer is created after it
            // Before the optimizer too: a flat buffer binds the layout it finds.
            if (o.ChannelsLast) ChannelsLast3d.ApplyTo(_module);

            _frozenPrefixes = [.. o.Freeze.FrozenPrefixes];
            if (o.Freeze.TrainFromEndpoint is { } endpoint)
                foreach (var stream in model.StreamPrefixes)
                    _frozenPrefixes.AddRange(I3DEndpointKeys.PrefixesBefore(endpoint).Select(p => stream + p));

            var named = _module.named_parameters().ToList();
            ParameterCount = named.Sum(p => p.parameter.numel());
            foreach (var (name, p) in named) p.requires_grad = !IsFrozen(name);
            var trainable = named.Where(p => p.parameter.requires_grad).ToList();
            if (trainable.Count == 0)
                throw new ArgumentException("Every parameter is frozen; nothing to train. Check Freeze.TrainFromEndpoint and Freeze.FrozenPrefixes.");
            Trainable = trainable.Select(p => p.parameter).ToList();
            TrainableCount = Trainable.Sum(p => p.numel());

            var groupSpecs = o.Optimizer.Groups;
            var buckets = new List<(string Name, Parameter P)>[groupSpecs.Count + 1];
            for (var i = 0; i < buckets.Length; i++) buckets[i] = [];
            foreach (var np in trainable)
            {
                var index = groupSpecs.FindIndex(g => np.name.StartsWith(g.Prefix, StringComparison.Ordinal));
                buckets[index < 0 ? groupSpecs.Count : index].Add(np);
            }
            var opt = o.Optimizer;
            var groups = new List<(double Multiplier, double WeightDecay, List<Parameter> Params)>();
            for (var i = 0; i < buckets.Length; i++)
            {
                if (buckets[i].Count == 0) continue;
                var spec = i < groupSpecs.Count ? groupSpecs[i] : null;
                groups.Add((spec?.LearningRateMultiplier ?? 1.0, spec?.WeightDecay ?? opt.WeightDecay, buckets[i].Select(x => x.P).ToList()));
            }
            if (opt.Kind == OptimizerKind.AdamW)
            {
                var paramGroups = groups.Select(g => new AdamW.ParamGroup(g.Params, opt.LearningRate * g.Multiplier, opt.Beta1, opt.Beta2, opt.Epsilon, g.WeightDecay)).ToList();
                Optimizer = opt.FlatBuffers
                    ? new FlatAdamW(paramGroups, opt.LearningRate, opt.Beta1, opt.Beta2, opt.Epsilon, opt.WeightDecay)
                    : optim.AdamW(paramGroups, opt.LearningRate, opt.Beta1, opt.Beta2, opt.Epsilon, opt.WeightDecay);
                Groups = paramGroups.Zip(groups, (pg, g) => ((ParamGroup)pg, g.Multiplier)).ToList();
            }
            else
            {
                var paramGroups = groups.Select(g => new SGD.ParamGroup(g.Params, opt.LearningRate * g.Multiplier, opt.Momentum, 0, g.WeightDecay, opt.Nesterov)).ToList();
                Optimizer = opt.FlatBuffers
                    ? new FlatSgd(paramGroups, opt.LearningRate, opt.Momentum, opt.WeightDecay, opt.Nesterov)
                    : optim.SGD(paramGroups, opt.LearningRate, opt.Momentum, 0, opt.WeightDecay, opt.Nesterov);
                Groups = paramGroups.Zip(groups, (pg, g) => ((ParamGroup)pg, g.Multiplier)).ToList();
            }

            // Gradients left on the parameters (a cancelled run mid-accumulation, user code) must not leak into step 1.
            using (NewDisposeScope()) Optimizer.zero_grad();

            // Built after freezing, so the copy's parameters mirror requires_grad; the optimizer keeps the float32 masters.
            if (o.Precision == TrainingPrecision.BFloat16Mixed)
            {
                try { Mixed = new BFloat16ComputeCopy(model, Device); }
                catch { Optimizer.Dispose(); throw; }
                if (o.ChannelsLast) ChannelsLast3d.ApplyTo(Mixed.Adapter.Module);
            }

            _batchNorms = _module.named_modules().Where(m => m.module is BatchNorm).Select(m => (m.name, (BatchNorm)m.module)).ToList();
            StepsPerEpoch = (batchesPerEpoch + o.GradientAccumulationSteps - 1) / o.GradientAccumulationSteps;
            TotalSteps = StepsPerEpoch * o.Epochs;
            Schedule = new LearningRateSchedule(o.Schedule, opt.LearningRate, TotalSteps);
        }

        public TrainingOptions Options { get; }
        public int NumClasses { get; }
        public Device Device { get; }
        public OptimizerHelper Optimizer { get; }
        public BFloat16ComputeCopy? Mixed { get; }

        /// <summary>The clip layout the model was laid out for: NDHWC with <see cref="TrainingOptions.ChannelsLast"/>.</summary>
        public Tensor Layout(Tensor clip) => Options.ChannelsLast && clip.ndim == 5 ? ChannelsLast3d.Apply(clip) : clip;

        public List<(ParamGroup Group, double Multiplier)> Groups { get; }
        public List<Parameter> Trainable { get; }
        public long ParameterCount { get; }
        public long TrainableCount { get; }
        public long StepsPerEpoch { get; }
        public long TotalSteps { get; }
        public LearningRateSchedule Schedule { get; }

        private bool IsFrozen(string key) => _frozenPrefixes.Any(p => key.StartsWith(p, StringComparison.Ordinal));

        /// <summary>Train mode, with BatchNorm in eval where its statistics are frozen (everywhere, or in frozen endpoints).</summary>
        public void SetTrainMode()
        {
            _module.train();
            foreach (var (name, bn) in _batchNorms)
                if (Options.BatchNorm == BatchNormMode.FrozenStatistics || IsFrozen(name + "."))
                    bn.eval();
            Mixed?.SyncModes();
        }

        /// <summary>
        /// At the start of an accumulation group: remember the buffers (BN statistics) so a non-finite step can restore
        /// them. Every policy needs it: Stop and Throw end the run, but the model (and Stop's checkpoint) must not keep
        /// the statistics of the NaN batch.
        /// </summary>
        [MethodImpl(MethodImplOptions.NoInlining)]
        public void BeginGroup()
        {
            EndGroup();
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            _snapshot = _module.buffers().Select(b => (b, b.clone().DetachFromDisposeScope())).ToList();
        }

        public void RestoreGroup()
        {
            if (_snapshot is null) return;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            foreach (var (buffer, copy) in _snapshot) buffer.copy_(copy);
        }

        public void EndGroup()
        {
            if (_snapshot is null) return;
            foreach (var (_, copy) in _snapshot) copy.Dispose();
            _snapshot = null;
        }

        public void Dispose()
        {
            EndGroup();
            Mixed?.Dispose();
            Optimizer.Dispose();
        }
    }
}
