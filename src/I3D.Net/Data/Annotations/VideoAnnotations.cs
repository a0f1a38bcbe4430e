namespace I3D.Net.Data.Annotations;

/// <summary>An annotated video dataset: its classes and its labelled items.</summary>
/// <param name="Classes">The class map; every item's label indexes it.</param>
/// <param name="Items">The items in file order.</param>
public sealed record VideoAnnotations(ClassMap Classes, IReadOnlyList<LabeledVideo> Items)
{
    /// <summary>Number of items.</summary>
    public int Count => Items.Count;

    /// <summary>The same items with flow folders found by <paramref name="flowPathOf"/> (e.g. a parallel folder tree).</summary>
    public VideoAnnotations WithFlow(Func<LabeledVideo, string> flowPathOf)
    {
        ArgumentNullException.ThrowIfNull(flowPathOf);
        return this with { Items = Items.Select(i => i with { FlowPath = flowPathOf(i) }).ToArray() };
    }
}
