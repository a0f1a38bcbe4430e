namespace I3D.Net.Training;

/// <summary>
/// The learning rate as a pure function of the optimizer step, so a resumed run sets exactly the rate an uninterrupted
/// run would (no scheduler object with hidden state to checkpoint).
/// </summary>
public sealed class LearningRateSchedule
{
    private readonly LearningRateScheduleOptions _options;
    private readonly double _baseRate;
    private readonly long _totalSteps;

    /// <summary>Creates the schedule for a run of <paramref name="totalSteps"/> optimizer steps.</summary>
    public LearningRateSchedule(LearningRateScheduleOptions options, double baseRate, long totalSteps)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(baseRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(totalSteps);
        _options = options.Clone();
        _baseRate = baseRate;
        _totalSteps = totalSteps;
    }

    /// <summary>The learning rate used by optimizer step <paramref name="step"/> (0-based).</summary>
    public double At(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var o = _options;
        double factor;
        switch (o.Kind)
        {
            case LearningRateScheduleKind.Piecewise:
                var piece = 0;
                while (piece < o.Boundaries.Count && step >= o.Boundaries[piece]) piece++;
                factor = o.Factors[piece];
                break;
            case LearningRateScheduleKind.Cosine:
                // Decays over the steps after warmup; the last step reaches MinimumFactor.
                var span = Math.Max(1, _totalSteps - o.WarmupSteps - 1);
                var t = Math.Clamp((double)(step - o.WarmupSteps) / span, 0, 1);
                factor = o.MinimumFactor + (1 - o.MinimumFactor) * 0.5 * (1 + Math.Cos(Math.PI * t));
                break;
            default:
                factor = 1;
                break;
        }
        if (step < o.WarmupSteps)
            factor *= o.WarmupStartFactor + (1 - o.WarmupStartFactor) * (step + 1) / o.WarmupSteps;
        return _baseRate * factor;
    }
}
