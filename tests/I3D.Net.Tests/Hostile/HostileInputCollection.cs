namespace I3D.Net.Tests.Hostile;

/// <summary>
/// Hostile-input budget tests run alone: they measure the process's peak resident memory, which any test running
/// beside them would inflate.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HostileInputCollection
{
    public const string Name = "Hostile input (not parallel)";
}
