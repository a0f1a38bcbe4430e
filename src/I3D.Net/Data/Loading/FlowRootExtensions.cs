using I3D.Net.Data.Annotations;
using I3D.Net.Flow;

namespace I3D.Net.Data.Loading;

/// <summary>Finds the flow folders of a dataset by convention, in the tree <see cref="FlowExtractor"/> writes (<see cref="FlowLayout"/>).</summary>
public static class FlowRootExtensions
{
    /// <summary>
    /// The same items with their flow folders under <paramref name="flowRoot"/>: with <paramref name="videoRoot"/>,
    /// exactly <c>&lt;flowRoot&gt;/&lt;video path relative to videoRoot, without extension&gt;</c>; without it, the
    /// longest trailing part of each video's path that exists there (<see cref="FlowLayout.Find"/>), so flow extracted
    /// from the dataset's root, from its <c>train</c> folder, or into a flat folder is found alike.
    /// </summary>
    /// <param name="dataset">The annotated videos.</param>
    /// <param name="flowRoot">The output folder of <see cref="FlowExtractor"/> (samples/ComputeFlow).</param>
    /// <param name="videoRoot">The folder the flow tree mirrors, when known.</param>
    /// <exception cref="DirectoryNotFoundException"><paramref name="flowRoot"/> does not exist, or an item has no flow folder (the message names the first ones and where they were looked for).</exception>
    /// <exception cref="ArgumentException">A video is outside <paramref name="videoRoot"/>, or its name gives no folder name.</exception>
    public static VideoAnnotations WithFlowRoot(this VideoAnnotations dataset, string flowRoot, string? videoRoot = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentException.ThrowIfNullOrEmpty(flowRoot);
        var root = Path.GetFullPath(flowRoot);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Flow root '{root}' does not exist; compute the flow with FlowExtractor (samples/ComputeFlow) first.");
        var missing = new List<string>();
        var items = dataset.Items.Select(item =>
        {
            var folder = videoRoot is null ? FlowLayout.Find(root, item.Path) : FlowLayout.FolderFor(root, videoRoot, item.Path);
            if (folder is null || !Directory.Exists(folder))
                missing.Add(folder is null
                    ? $"'{item.Path}' (no folder '{Path.GetFileNameWithoutExtension(item.Path)}' at any depth of its path under the flow root)"
                    : $"'{item.Path}' (expected '{folder}')");
            return item with { FlowPath = folder };
        }).ToArray();
        if (missing.Count > 0)
            throw new DirectoryNotFoundException(
                $"{missing.Count} of {dataset.Count} videos have no flow folder under '{root}': {string.Join("; ", missing.Take(3))}"
                + $"{(missing.Count > 3 ? "; …" : "")}. Compute the flow with FlowExtractor.ExtractDatasetAsync (samples/ComputeFlow) on the video root.");
        return dataset with { Items = items };
    }
}
