using I3D.Net.Data.Annotations;

namespace I3D.Net.Data;

/// <summary>The videos of a dataset tree, as the dataset jobs (flow, features, the output check) all find them.</summary>
internal static class DatasetVideos
{
    /// <summary>
    /// Every file under <paramref name="root"/> with one of <see cref="FolderPerClassAnnotations.DefaultExtensions"/>, in
    /// ordinal path order, leaving out those inside <paramref name="outputs"/> (an output folder inside the dataset).
    /// </summary>
    public static List<string> Find(string root, params string?[] outputs)
    {
        var extensions = new HashSet<string>(FolderPerClassAnnotations.DefaultExtensions, StringComparer.OrdinalIgnoreCase);
        var prefixes = outputs.OfType<string>().Select(o => Path.GetFullPath(o).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar).ToArray();
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f)))
            .Where(f => !prefixes.Any(p => f.StartsWith(p, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
