using System.Collections.ObjectModel;

namespace I3D.Net.Weights;

/// <summary>
/// The class names of the Kinetics datasets in the logit order of DeepMind's released I3D checkpoints
/// (index <c>i</c> names logit <c>i</c>). Shipped inside the library from deepmind/kinetics-i3d's label maps (Apache-2.0).
/// </summary>
public static class KineticsClasses
{
    static readonly Lazy<ReadOnlyCollection<string>> K400 = new(() => Read("kinetics400_classes.txt", 400));
    static readonly Lazy<ReadOnlyCollection<string>> K600 = new(() => Read("kinetics600_classes.txt", 600));

    /// <summary>The 400 Kinetics-400 classes, from <c>abseiling</c> to <c>zumba</c>.</summary>
    public static IReadOnlyList<string> Kinetics400 => K400.Value;

    /// <summary>The 600 Kinetics-600 classes, from <c>abseiling</c> to <c>zumba</c>.</summary>
    public static IReadOnlyList<string> Kinetics600 => K600.Value;

    static ReadOnlyCollection<string> Read(string file, int expected)
    {
        var name = "I3D.Net.Weights.Resources." + file;
        using var stream = typeof(KineticsClasses).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from I3D.Net; the package is damaged.");
        using var reader = new StreamReader(stream);
        var names = new List<string>(expected);
        while (reader.ReadLine() is { } line)
            if (line.Trim().Length > 0) names.Add(line.Trim());
        if (names.Count != expected)
            throw new InvalidOperationException($"The embedded resource '{name}' holds {names.Count} class names; expected {expected}.");
        return names.AsReadOnly();
    }
}
