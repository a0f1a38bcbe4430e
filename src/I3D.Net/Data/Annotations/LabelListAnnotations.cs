using I3D.Net.IO;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// A generic list file, one <c>path label</c> per line; the label is a class index or a class name, and the path
/// (which may contain spaces) is relative to a video root.
/// </summary>
public static class LabelListAnnotations
{
    /// <summary>Reads <paramref name="listFile"/>.</summary>
    /// <param name="listFile">The list file.</param>
    /// <param name="videoRoot">Folder relative paths start from; null for the list file's folder.</param>
    /// <param name="classes">
    /// The class map; null builds one: from the sorted names when labels are names, or "0".."max" when they are numbers
    /// (at most <see cref="AnnotationOptions.MaxClasses"/>).
    /// </param>
    /// <param name="options">Limits and permissions; null for <see cref="AnnotationOptions.Default"/>.</param>
    /// <exception cref="InvalidDataException">A malformed line, a label outside the classes, too many inferred classes, or a path outside the root (the message names the file and line).</exception>
    public static VideoAnnotations Load(string listFile, string? videoRoot = null, ClassMap? classes = null, AnnotationOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(listFile);
        options ??= AnnotationOptions.Default;
        options.Validate();
        var root = videoRoot ?? Path.GetDirectoryName(Path.GetFullPath(listFile))!;
        var rows = AnnotationFile.Lines(listFile)
            .Select(l => (l.Line, Split: AnnotationFile.SplitTail(l.Text, 1, listFile, l.Line, "path label")))
            .ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"Annotation list '{Path.GetFullPath(listFile)}' holds no entries (expected lines 'path label').");
        classes ??= AnnotationFile.InferClasses(rows.Select(r => (r.Line, r.Split.Fields[0])), options, listFile);
        var items = rows.Select(r => new LabeledVideo(
            AnnotationFile.Resolve(root, r.Split.Path, options, listFile, r.Line),
            AnnotationFile.Label(r.Split.Fields[0], classes, listFile, r.Line))).ToArray();
        return new VideoAnnotations(classes, items);
    }

    /// <summary>Writes a list of <c>path label</c> lines (paths relative to <paramref name="videoRoot"/> where possible), atomically.</summary>
    public static void Save(string listFile, IEnumerable<LabeledVideo> items, string videoRoot)
    {
        ArgumentException.ThrowIfNullOrEmpty(listFile);
        ArgumentNullException.ThrowIfNull(items);
        var root = Path.GetFullPath(videoRoot);
        var lines = items.Select(i => $"{Path.GetRelativePath(root, i.Path).Replace('\\', '/')} {i.Label}");
        AtomicFile.WriteAllText(listFile, string.Join('\n', lines) + "\n");
    }
}
