namespace I3D.Net.Training;

/// <summary>
/// Everything besides weights and optimizer tensors needed to continue a run exactly: position (epoch, batch, step),
/// seed, class map, options, metric history and the running sums of the current epoch. Saved as JSON in each checkpoint.
/// </summary>
public sealed class TrainerState
{
    /// <summary>Version of this layout.</summary>
    public int FormatVersion { get; set; } = 1;

    /// <summary>The epoch in progress, or the next one to start when <see cref="BatchInEpoch"/> is 0.</summary>
    public int Epoch { get; set; }

    /// <summary>Batches of <see cref="Epoch"/> already trained on.</summary>
    public int BatchInEpoch { get; set; }

    /// <summary>Optimizer steps done.</summary>
    public long Step { get; set; }

    /// <summary>The run's seed.</summary>
    public long Seed { get; set; }

    /// <summary>Steps skipped for a non-finite loss so far.</summary>
    public int SkippedSteps { get; set; }

    /// <summary>Class names of the training source, indexed by label.</summary>
    public List<string> ClassNames { get; set; } = [];

    /// <summary>How the training source's optical flow was made (<see cref="Data.IClipBatchSource.FlowSettings"/>), or null.</summary>
    public Flow.FlowSettings? Flow { get; set; }

    /// <summary>The options the run was started with.</summary>
    public TrainingOptions? Options { get; set; }

    /// <summary>Metrics of the finished epochs.</summary>
    public List<EpochRecord> History { get; set; } = [];

    /// <summary>Sum of per-sample training losses in the current epoch.</summary>
    public double EpochLossSum { get; set; }

    /// <summary>Training samples seen in the current epoch.</summary>
    public long EpochSamples { get; set; }

    /// <summary>Training samples whose top prediction was right in the current epoch.</summary>
    public long EpochCorrect { get; set; }

    /// <summary>Best value so far of the early-stopping metric.</summary>
    public double? EarlyStoppingBest { get; set; }

    /// <summary>Evaluated epochs since the early-stopping metric last improved.</summary>
    public int EpochsWithoutImprovement { get; set; }

    /// <summary>Folder name of the best checkpoint by <see cref="CheckpointOptions.KeepBestBy"/>.</summary>
    public string? BestCheckpoint { get; set; }

    /// <summary>The metric value of <see cref="BestCheckpoint"/>.</summary>
    public double? BestCheckpointMetric { get; set; }
}
