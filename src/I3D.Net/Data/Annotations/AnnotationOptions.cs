namespace I3D.Net.Data.Annotations;

/// <summary>
/// Limits and permissions for reading annotation files, which may come from anywhere: a list file is small, but what
/// it names must not cost much more than its size, nor reach outside the dataset.
/// </summary>
public sealed record AnnotationOptions
{
    /// <summary>The default options.</summary>
    public static AnnotationOptions Default { get; } = new();

    /// <summary>The default of <see cref="MaxClasses"/>.</summary>
    public const int DefaultMaxClasses = 10_000;

    /// <summary>
    /// The most classes a loader infers from the labels it reads when no class map is given. Numeric labels make the
    /// classes "0".."max", so one line <c>a.mp4 50000000</c> would otherwise ask for fifty million classes. Raise it
    /// for a dataset with more classes, or pass the class map.
    /// </summary>
    public int MaxClasses { get; init; } = DefaultMaxClasses;

    /// <summary>
    /// Whether paths in annotation files may point outside the dataset root (absolute paths elsewhere, or
    /// <c>../</c> climbing above it). Off by default: an annotation file then cannot make the loader read other
    /// files of the machine. Turn it on for lists that name videos in several places.
    /// </summary>
    public bool AllowPathsOutsideRoot { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        if (MaxClasses < 1)
            throw new ArgumentException($"MaxClasses must be >= 1, found {MaxClasses}.");
    }
}
