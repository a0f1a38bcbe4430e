namespace I3D.Net.Training;

/// <summary>
/// The names of the metrics an epoch records (<see cref="EpochRecord.Metrics"/>): the names that
/// <see cref="EarlyStoppingOptions.Monitor"/> and <see cref="CheckpointOptions.KeepBestBy"/> may use. Options
/// validation checks them at startup, so a misspelt name fails before the first step.
/// </summary>
public static class EpochMetricNames
{
    /// <summary>Mean training loss of the epoch.</summary>
    public const string TrainLoss = "train_loss";

    /// <summary>Training top-1 accuracy of the epoch.</summary>
    public const string TrainTop1 = "train_top1";

    /// <summary>Learning rate of the epoch's last step.</summary>
    public const string LearningRate = "learning_rate";

    /// <summary>Prefix of the validation metrics (see <see cref="EvaluationMetrics.ToDictionary"/>).</summary>
    public const string ValidationPrefix = "val_";

    /// <summary>Metrics of every epoch.</summary>
    public static IReadOnlyList<string> Training { get; } = [TrainLoss, TrainTop1, LearningRate];

    /// <summary>Metrics of the epochs that run validation: the <see cref="ValidationPrefix"/> plus loss, top1, top5, mean_class_accuracy.</summary>
    public static IReadOnlyList<string> Validation { get; } =
        [ValidationPrefix + "loss", ValidationPrefix + "top1", ValidationPrefix + "top5", ValidationPrefix + "mean_class_accuracy"];

    /// <summary>Every metric name, training first.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Training, .. Validation];

    /// <summary>Whether <paramref name="name"/> is a metric name (ordinal, case-sensitive).</summary>
    public static bool IsKnown(string? name) => name is not null && All.Contains(name, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="name"/> is a validation metric, absent from runs without a validation source.</summary>
    public static bool IsValidation(string name) => Validation.Contains(name, StringComparer.Ordinal);
}
