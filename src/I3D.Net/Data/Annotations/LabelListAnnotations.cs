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
    /// The class map; null builds one: from the sorted names when labels are names, or "0".."max" when they are numbers.
    /// </param>
    public static VideoAnnotations Load(string listFile, string? videoRoot = null, ClassMap? classes = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(listFile);
        var root = videoRoot ?? Path.GetDirectoryName(Path.GetFullPath(listFile))!;
        var rows = AnnotationFile.Lines(listFile)
            .Select(l => (l.Line, Split: AnnotationFile.SplitTail(l.Text, 1, listFile, l.Line, "path label")))
            .ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"Annotation list '{Path.GetFullPath(listFile)}' holds no entries (expected lines 'path label').");
        classes ??= InferClasses(rows.Select(r => r.Split.Fields[0]));
        var items = rows.Select(r => new LabeledVideo(
            AnnotationFile.Resolve(root, r.Split.Path),
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

    internal static ClassMap InferClasses(IEnumerable<string> labels)
    {
        var distinct = labels.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (distinct.All(l => int.TryParse(l, out var v) && v >= 0))
        {
            var max = distinct.Max(l => int.Parse(l, System.Globalization.CultureInfo.InvariantCulture));
            return new ClassMap(Enumerable.Range(0, max + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return new ClassMap(distinct.Order(StringComparer.Ordinal));
    }
}
