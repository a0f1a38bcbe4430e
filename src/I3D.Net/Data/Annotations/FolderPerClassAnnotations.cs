using Microsoft.Extensions.Logging;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// A dataset laid out as one folder per class (<c>root/&lt;class&gt;/&lt;video&gt;</c>); classes in ordinal order of
/// their folder names. Items are video files with a known extension, or sub-folders (frame folders).
/// </summary>
public static class FolderPerClassAnnotations
{
    /// <summary>The video file extensions recognised by default.</summary>
    public static IReadOnlyList<string> DefaultExtensions { get; } =
        [".mp4", ".avi", ".mkv", ".webm", ".mov", ".m4v", ".mpg", ".mpeg", ".gif", ".wmv", ".flv"];

    /// <summary>Scans <paramref name="root"/>.</summary>
    /// <param name="root">The dataset folder.</param>
    /// <param name="extensions">Video extensions to include (with dot, case-insensitive); null for <see cref="DefaultExtensions"/>.</param>
    /// <param name="includeFrameFolders">Whether sub-folders of a class folder count as frame-folder items.</param>
    /// <param name="logger">Warns about each class folder without videos (warning 5005, with the items per class).</param>
    /// <exception cref="DirectoryNotFoundException">The root does not exist.</exception>
    /// <exception cref="InvalidDataException">No class folder holds any video.</exception>
    public static VideoAnnotations Load(string root, IEnumerable<string>? extensions = null, bool includeFrameFolders = false, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
            throw new DirectoryNotFoundException($"Dataset folder '{full}' does not exist.");
        var exts = new HashSet<string>(extensions ?? DefaultExtensions, StringComparer.OrdinalIgnoreCase);
        var classDirs = Directory.GetDirectories(full).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
        if (classDirs.Length == 0)
            throw new InvalidDataException($"Dataset folder '{full}' has no class sub-folders (expected root/<class>/<video>).");
        var classes = AnnotationFile.Classes(classDirs.Select(Path.GetFileName)!, full);
        var items = new List<LabeledVideo>();
        for (var label = 0; label < classDirs.Length; label++)
        {
            var files = Directory.EnumerateFiles(classDirs[label]).Where(f => exts.Contains(Path.GetExtension(f)));
            if (includeFrameFolders)
                files = files.Concat(Directory.EnumerateDirectories(classDirs[label]));
            items.AddRange(files.Order(StringComparer.Ordinal).Select(f => new LabeledVideo(f, label)));
        }
        if (logger is not null && items.Count > 0)
        {
            var counts = new int[classDirs.Length];
            foreach (var item in items)
                counts[item.Label]++;
            var summary = string.Join(", ", Enumerable.Range(0, counts.Length).Take(50).Select(c => $"{classes[c]} {counts[c]}")) +
                          (counts.Length > 50 ? $", … ({counts.Length} classes)" : "");
            for (var label = 0; label < counts.Length; label++)
            {
                if (counts[label] == 0)
                    Loading.DataLog.EmptyClassFolder(logger, classDirs[label], classes[label], summary);
            }
        }
        if (items.Count == 0)
            throw new InvalidDataException($"No videos with extensions {string.Join(", ", exts.Order())} under the class folders of '{full}'.");
        return new VideoAnnotations(classes, items);
    }
}
