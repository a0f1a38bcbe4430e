namespace I3D.Net.Training;

/// <summary>Progress after each optimizer step, reported through <see cref="IProgress{T}"/>.</summary>
/// <param name="Epoch">Current epoch (0-based).</param>
/// <param name="Epochs">Total epochs.</param>
/// <param name="BatchInEpoch">Batches of this epoch done.</param>
/// <param name="BatchesPerEpoch">Batches per epoch.</param>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Optimizer steps of the whole run.</param>
/// <param name="Loss">Loss of the last batch.</param>
/// <param name="LearningRate">Learning rate of the last step (default group).</param>
/// <param name="Skipped">Whether the last step was skipped for a non-finite loss.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, int BatchInEpoch, int BatchesPerEpoch, long Step, long TotalSteps,
    double Loss, double LearningRate, bool Skipped)
{
    /// <summary>Steps done of the run's total, time since this fit began and the estimated time left (validation time included in the rate).</summary>
    public ProgressTiming Timing { get; init; } = new(Step, TotalSteps, TimeSpan.Zero, null);
}
