namespace I3D.Net.Tests.Training;

/// <summary>
/// Trainer tests run alone: runs seed torch's process-wide generator per batch (dropout), and the memory test counts
/// live tensors process-wide, so nothing else may run beside them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TrainingCollection
{
    public const string Name = "Training (not parallel)";
}
