namespace I3D.Net.Training;

/// <summary>
/// Classification metrics over a set of samples. Mean class accuracy averages per-class recall over the classes that
/// have at least one sample; classes without samples are excluded from the mean (they have no defined accuracy).
/// </summary>
public sealed record EvaluationMetrics
{
    /// <summary>Number of samples (not clips).</summary>
    public required long SampleCount { get; init; }

    /// <summary>Mean cross-entropy per sample.</summary>
    public required double Loss { get; init; }

    /// <summary>Fraction of samples whose top prediction is the label.</summary>
    public required double Top1 { get; init; }

    /// <summary>Fraction of samples whose label is among the 5 highest scores (all classes when there are fewer than 5).</summary>
    public required double Top5 { get; init; }

    /// <summary>Mean over classes with samples of the fraction of that class's samples predicted correctly.</summary>
    public required double MeanClassAccuracy { get; init; }

    /// <summary>Confusion matrix: <c>[true class][predicted class]</c> sample counts.</summary>
    public required long[][] ConfusionMatrix { get; init; }

    /// <summary>The metrics as named values with the given prefix (e.g. <c>val_</c>): loss, top1, top5, mean_class_accuracy.</summary>
    public IEnumerable<KeyValuePair<string, double>> ToDictionary(string prefix) =>
    [
        new(prefix + "loss", Loss), new(prefix + "top1", Top1), new(prefix + "top5", Top5),
        new(prefix + "mean_class_accuracy", MeanClassAccuracy),
    ];
}
