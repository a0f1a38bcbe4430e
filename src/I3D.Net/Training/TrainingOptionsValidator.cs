using Microsoft.Extensions.Options;

namespace I3D.Net.Training;

/// <summary>Validates <see cref="TrainingOptions"/>; used by the trainer and by options validation at startup.</summary>
public sealed class TrainingOptionsValidator : IValidateOptions<TrainingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = GetErrors(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem of <paramref name="options"/>.</summary>
    public static void ThrowIfInvalid(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = GetErrors(options);
        if (errors.Count > 0)
            throw new ArgumentException("Invalid training options: " + string.Join(" ", errors), nameof(options));
    }

    /// <summary>Returns one message per problem; empty when the options are valid.</summary>
    public static IReadOnlyList<string> GetErrors(TrainingOptions o)
    {
        var e = new List<string>();
        void Check(bool ok, string message) { if (!ok) e.Add(message); }

        Check(o.Epochs >= 1, $"Epochs must be at least 1, found {o.Epochs}.");
        Check(o.GradientAccumulationSteps >= 1, $"GradientAccumulationSteps must be at least 1, found {o.GradientAccumulationSteps}.");
        Check(o.MaxGradientNorm is null or > 0 && double.IsFinite(o.MaxGradientNorm ?? 1), $"MaxGradientNorm must be positive and finite or null, found {o.MaxGradientNorm}.");
        Check(o.MaxSkippedSteps >= 0, $"MaxSkippedSteps must be non-negative, found {o.MaxSkippedSteps}.");
        Check(o.ValidateEveryEpochs >= 1, $"ValidateEveryEpochs must be at least 1, found {o.ValidateEveryEpochs}.");
        Check(o.LogEverySteps >= 0, $"LogEverySteps must be non-negative, found {o.LogEverySteps}.");
        Check(Enum.IsDefined(o.BatchNorm) && Enum.IsDefined(o.TwoStream) && Enum.IsDefined(o.NonFiniteLoss)
              && Enum.IsDefined(o.ClipAveraging) && Enum.IsDefined(o.Precision), "An enum option has an undefined value.");
        if (o.Device is not null)
        {
            try { _ = new TorchSharp.torch.Device(o.Device); }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException)
            { e.Add($"Device must be like \"cpu\" or \"cuda:0\", found \"{o.Device}\"."); }
        }

        var opt = o.Optimizer;
        if (opt is null) e.Add("Optimizer must not be null.");
        else
        {
            Check(opt.LearningRate > 0 && double.IsFinite(opt.LearningRate), $"Optimizer.LearningRate must be positive, found {opt.LearningRate}.");
            Check(opt.Momentum is >= 0 and < 1, $"Optimizer.Momentum must be in [0, 1), found {opt.Momentum}.");
            Check(!opt.Nesterov || opt.Momentum > 0, "Optimizer.Nesterov needs a positive momentum.");
            Check(opt.WeightDecay >= 0, $"Optimizer.WeightDecay must be non-negative, found {opt.WeightDecay}.");
            Check(opt.Beta1 is >= 0 and < 1 && opt.Beta2 is >= 0 and < 1, $"Optimizer betas must be in [0, 1), found ({opt.Beta1}, {opt.Beta2}).");
            Check(opt.Epsilon > 0, $"Optimizer.Epsilon must be positive, found {opt.Epsilon}.");
            Check(!o.ChannelsLast || opt.FlatBuffers,
                "ChannelsLast needs Optimizer.FlatBuffers = true: TorchSharp's per-tensor optimizers cannot save optimizer state in NDHWC strides.");
            foreach (var g in opt.Groups ?? [])
            {
                Check(!string.IsNullOrEmpty(g.Prefix), "Optimizer.Groups: every group needs a non-empty Prefix.");
                Check(g.LearningRateMultiplier >= 0, $"Optimizer.Groups['{g.Prefix}']: LearningRateMultiplier must be non-negative, found {g.LearningRateMultiplier}.");
                Check(g.WeightDecay is null or >= 0, $"Optimizer.Groups['{g.Prefix}']: WeightDecay must be non-negative, found {g.WeightDecay}.");
            }
        }

        var s = o.Schedule;
        if (s is null) e.Add("Schedule must not be null.");
        else
        {
            Check(s.WarmupSteps >= 0, $"Schedule.WarmupSteps must be non-negative, found {s.WarmupSteps}.");
            Check(s.WarmupStartFactor is >= 0 and <= 1, $"Schedule.WarmupStartFactor must be in [0, 1], found {s.WarmupStartFactor}.");
            Check(s.MinimumFactor is >= 0 and <= 1, $"Schedule.MinimumFactor must be in [0, 1], found {s.MinimumFactor}.");
            if (s.Kind == LearningRateScheduleKind.Piecewise)
            {
                Check(s.Factors.Count == s.Boundaries.Count + 1,
                    $"Schedule: a piecewise schedule needs one more factor than boundaries, found {s.Factors.Count} factors and {s.Boundaries.Count} boundaries.");
                Check(s.Boundaries.Zip(s.Boundaries.Skip(1)).All(p => p.First < p.Second) && s.Boundaries.All(b => b > 0),
                    $"Schedule.Boundaries must be positive and strictly ascending, found [{string.Join(", ", s.Boundaries)}].");
                Check(s.Factors.All(f => f >= 0 && double.IsFinite(f)), "Schedule.Factors must be non-negative.");
            }
        }

        if (o.Freeze?.TrainFromEndpoint is { } endpoint)
            Check(I3DEndpointKeys.IndexOf(endpoint) >= 0,
                $"Freeze.TrainFromEndpoint must be one of {string.Join(", ", I3DEndpointKeys.Names)}, found \"{endpoint}\".");

        if (o.EarlyStopping is { } es)
        {
            Check(EpochMetricNames.IsKnown(es.Monitor),
                $"EarlyStopping.Monitor \"{es.Monitor}\" is not a metric; valid names: {string.Join(", ", EpochMetricNames.All)}.");
            Check(es.Patience >= 1, $"EarlyStopping.Patience must be at least 1, found {es.Patience}.");
            Check(es.MinDelta >= 0, $"EarlyStopping.MinDelta must be non-negative, found {es.MinDelta}.");
        }

        if (o.Checkpoint is { } c)
        {
            Check(!string.IsNullOrWhiteSpace(c.Directory), "Checkpoint.Directory must not be empty.");
            Check(c.EverySteps >= 0, $"Checkpoint.EverySteps must be non-negative, found {c.EverySteps}.");
            Check(c.KeepLast >= 1, $"Checkpoint.KeepLast must be at least 1, found {c.KeepLast}.");
            Check(c.EverySteps > 0 || c.EveryEpoch, "Checkpoint: set EverySteps or EveryEpoch, or set Checkpoint to null.");
            Check(c.KeepBestBy is null || EpochMetricNames.IsKnown(c.KeepBestBy),
                $"Checkpoint.KeepBestBy \"{c.KeepBestBy}\" is not a metric; valid names (or null): {string.Join(", ", EpochMetricNames.All)}.");
        }
        return e;
    }
}
