namespace I3D.Net.Weights;

/// <summary>
/// The key mappings <see cref="Checkpoints.LoadStateDict(string)"/> applies when one fits a file's keys (the first that
/// does). Models register theirs (the kinetics-i3d mapping registers itself beside <c>InceptionI3D</c> when the
/// assembly loads); this folder never names a model.
/// </summary>
internal static class StateDictKeyMappings
{
    private static IStateDictKeyMapping[] all = [];

    /// <summary>Every registered mapping, asked in order.</summary>
    public static IReadOnlyList<IStateDictKeyMapping> All => Volatile.Read(ref all);

    /// <summary>Adds a mapping (once).</summary>
    /// <param name="mapping">The mapping.</param>
    public static void Register(IStateDictKeyMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        lock (typeof(StateDictKeyMappings))
        {
            if (!all.Contains(mapping))
                Volatile.Write(ref all, [.. all, mapping]);
        }
    }

    /// <summary>The first mapping that applies, or null (the keys are used as stored).</summary>
    public static IStateDictKeyMapping? Find(CheckpointFormat format, IReadOnlyCollection<string> keys) =>
        All.FirstOrDefault(m => m.AppliesTo(format, keys));
}
