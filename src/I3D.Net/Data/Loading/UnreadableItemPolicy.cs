namespace I3D.Net.Data.Loading;

/// <summary>What a loader does with an item it cannot decode.</summary>
public enum UnreadableItemPolicy
{
    /// <summary>
    /// Log it (path and reason) and use a deterministically chosen other item instead, until
    /// <see cref="ClipLoaderOptions.SkipBudget"/> items failed in one epoch; then fail.
    /// </summary>
    Skip,

    /// <summary>Fail the epoch with an <see cref="InvalidDataException"/> naming the item.</summary>
    Fail,
}
