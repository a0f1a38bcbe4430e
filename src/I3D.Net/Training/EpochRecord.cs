namespace I3D.Net.Training;

/// <summary>
/// The metrics of one finished epoch. Keys: <c>train_loss</c>, <c>train_top1</c>, <c>learning_rate</c> and, when
/// validated, <c>val_loss</c>, <c>val_top1</c>, <c>val_top5</c>, <c>val_mean_class_accuracy</c>.
/// </summary>
public sealed record EpochRecord
{
    /// <summary>The epoch (0-based).</summary>
    public required int Epoch { get; init; }

    /// <summary>Optimizer steps completed at the end of the epoch.</summary>
    public required long Step { get; init; }

    /// <summary>Metric values by name.</summary>
    public required Dictionary<string, double> Metrics { get; init; }
}
