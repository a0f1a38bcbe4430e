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
    /// <summary>Whether every item decoded.</summary>
    public bool IsClean => Unreadable.Count == 0;

    /// <summary>A readable summary, one line per unreadable item.</summary>
    public override string ToString() => IsClean
        ? $"All {Checked} items are readable."
        : $"{Unreadable.Count} of {Checked} items are unreadable:\n" + string.Join('\n', Unreadable.Select(u => $"  [{u.Index}] {u.Path}: {u.Reason}"));
}
