namespace I3D.Net.Data.Annotations;

/// <summary>An annotated video dataset: its classes and its labelled items.</summary>
/// <param name="Classes">The class map; every item's label indexes it.</param>
/// <param name="Items">The items in file order.</param>
public sealed record VideoAnnotations(ClassMap Classes, IReadOnlyList<LabeledVideo> Items)
{
    /// <summary>Number of items.</summary>
    public int Count => Items.Count;

    /// <summary>Items per class, in label order (a zero is a class the model sees no example of).</summary>
    public int[] ClassCounts()
    {
        var counts = new int[Classes.Count];
        foreach (var item in Items)
        {
            if ((uint)item.Label < (uint)counts.Length)
                counts[item.Label]++;
        }
        return counts;
    }

    /// <summary>The same items with flow folders found by <paramref name="flowPathOf"/> (e.g. a parallel folder tree).</summary>
    public VideoAnnotations WithFlow(Func<LabeledVideo, string> flowPathOf)
    {
        ArgumentNullException.ThrowIfNull(flowPathOf);
        return this with { Items = Items.Select(i => i with { FlowPath = flowPathOf(i) }).ToArray() };
    }
}
