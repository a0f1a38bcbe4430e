namespace I3D.Net.Weights;

/// <summary>The key mappings <see cref="Checkpoints.LoadStateDict(string)"/> applies when one fits a file's keys (the first that does).</summary>
internal static class StateDictKeyMappings
{
    /// <summary>Every registered mapping, asked in order.</summary>
    public static IReadOnlyList<IStateDictKeyMapping> All { get; } = [TensorFlow.KineticsI3DKeyMapping.Instance];

    /// <summary>The first mapping that applies, or null (the keys are used as stored).</summary>
    public static IStateDictKeyMapping? Find(CheckpointFormat format, IReadOnlyCollection<string> keys) =>
        All.FirstOrDefault(m => m.AppliesTo(format, keys));
}
