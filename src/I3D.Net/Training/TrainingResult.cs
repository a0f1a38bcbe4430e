namespace I3D.Net.Training;

/// <summary>Why a run ended.</summary>
public enum TrainingStopReason
{
    /// <summary>All epochs ran.</summary>
    Completed,

    /// <summary>The monitored metric stopped improving.</summary>
    EarlyStopped,

    /// <summary>A non-finite loss with <see cref="NonFiniteLossPolicy.Stop"/>.</summary>
    NonFiniteLoss,

    /// <summary>A callback asked to stop.</summary>
    StopRequested,
}

/// <summary>The outcome of <see cref="I3DTrainer.FitAsync"/>.</summary>
public sealed record TrainingResult
{
    /// <summary>Why the run ended.</summary>
    public required TrainingStopReason StopReason { get; init; }

    /// <summary>Epochs fully completed.</summary>
    public required int EpochsCompleted { get; init; }

    /// <summary>Optimizer steps done (skipped steps included).</summary>
    public required long Steps { get; init; }

    /// <summary>Steps skipped for a non-finite loss.</summary>
    public required int SkippedSteps { get; init; }

    /// <summary>Per-epoch metrics.</summary>
    public required TrainingHistory History { get; init; }

    /// <summary>The checkpoint the run resumed from, or null.</summary>
    public string? ResumedFrom { get; init; }

    /// <summary>The last checkpoint written, or null.</summary>
    public string? LastCheckpoint { get; init; }

    /// <summary>The best checkpoint by <see cref="CheckpointOptions.KeepBestBy"/>, or null.</summary>
    public string? BestCheckpoint { get; init; }
}
