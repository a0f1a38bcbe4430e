namespace I3D.Net.Data.Loading;

/// <summary>An item a <see cref="DatasetCheck"/> could not read.</summary>
/// <param name="Index">The item's index in the dataset.</param>
/// <param name="Path">The video file or folder.</param>
/// <param name="Reason">Why it failed (exception type and message).</param>
public sealed record UnreadableItem(int Index, string Path, string Reason);

/// <summary>The result of a <see cref="DatasetCheck"/>.</summary>
/// <param name="Checked">Items checked.</param>
/// <param name="Unreadable">Items that failed, by index.</param>
public sealed record DatasetCheckReport(int Checked, IReadOnlyList<UnreadableItem> Unreadable)
{
    /// <summary>Items and readable items per class, in label order.</summary>
    public IReadOnlyList<ClassCount> Classes { get; init; } = [];

    /// <summary>Classes with no readable item: a model cannot learn them (an empty class folder, or only bad files).</summary>
    public IReadOnlyList<ClassCount> EmptyClasses => Classes.Where(c => c.Readable == 0).ToArray();

    /// <summary>Whether every item decoded.</summary>
    public bool IsClean => Unreadable.Count == 0;

    /// <summary>A readable summary: one line per unreadable item, then the per-class counts when a class is empty.</summary>
    public override string ToString()
    {
        var text = IsClean
            ? $"All {Checked} items are readable."
            : $"{Unreadable.Count} of {Checked} items are unreadable:\n" + string.Join('\n', Unreadable.Select(u => $"  [{u.Index}] {u.Path}: {u.Reason}"));
        var empty = EmptyClasses;
        if (empty.Count > 0)
        {
            text += $"\n{empty.Count} of {Classes.Count} classes have no readable item: {string.Join(", ", empty.Select(c => $"'{c.Name}'"))}." +
                    $"\nReadable items per class: {DatasetCheck.FormatCounts(Classes)}.";
        }
        return text;
    }
}
