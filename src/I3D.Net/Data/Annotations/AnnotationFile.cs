using I3D.Net.IO;

namespace I3D.Net.Data.Annotations;

/// <summary>Shared reading of line-based annotation files: blank lines and <c>#</c> comments are skipped.</summary>
internal static class AnnotationFile
{
    public static IEnumerable<(int Line, string Text)> Lines(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Annotation file '{Path.GetFullPath(path)}' does not exist.", path);
        RegularFile.Require(Path.GetFullPath(path), "annotation file");
        var n = 0;
        foreach (var raw in File.ReadLines(path))
        {
            n++;
            var text = raw.Trim().TrimStart('\uFEFF');
            if (text.Length == 0 || text.StartsWith('#'))
                continue;
            yield return (n, text);
        }
    }

    /// <summary>Splits off the last <paramref name="count"/> white-space separated fields; the rest (which may hold spaces) is the path.</summary>
    public static (string Path, string[] Fields) SplitTail(string text, int count, string file, int line, string expected)
    {
        var fields = new string[count];
        var rest = text;
        for (var i = count - 1; i >= 0; i--)
        {
            var cut = rest.LastIndexOfAny([' ', '\t']);
            if (cut <= 0)
                throw Error(file, line, $"expected '{expected}', found '{text}'");
            fields[i] = rest[(cut + 1)..];
            rest = rest[..cut].TrimEnd();
        }
        return (rest, fields);
    }

    /// <summary>
    /// The full path of annotation path <paramref name="path"/> relative to <paramref name="root"/>; refuses a path
    /// that leaves the root (absolute elsewhere, or <c>../</c> above it) unless the options allow it.
    /// </summary>
    public static string Resolve(string root, string path, AnnotationOptions options, string file, int line)
    {
        var rootFull = Path.GetFullPath(root);
        var normalized = path.Replace('\\', '/');
        string full;
        try
        {
            full = Path.GetFullPath(Path.IsPathRooted(normalized) ? normalized : Path.Combine(rootFull, normalized));
        }
        catch (Exception ex) when (ex is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw Error(file, line, $"'{path}' is not a valid path ({ex.Message})");
        }
        if (!options.AllowPathsOutsideRoot && !IsUnder(rootFull, full))
            throw Error(file, line,
                $"path '{path}' points outside the dataset root '{rootFull}' (it resolves to '{full}'); set AnnotationOptions.AllowPathsOutsideRoot to allow that");
        return full;
    }

    /// <summary>Whether <paramref name="full"/> is <paramref name="root"/> or lies below it (both full paths).</summary>
    public static bool IsUnder(string root, string full)
    {
        var relative = Path.GetRelativePath(root, full);
        return !Path.IsPathRooted(relative) && relative != ".." &&
               !relative.StartsWith("../", StringComparison.Ordinal) && !relative.StartsWith("..\\", StringComparison.Ordinal);
    }

    /// <summary>A class map built from names read out of <paramref name="source"/>: a bad name is an <see cref="InvalidDataException"/> naming it.</summary>
    public static ClassMap Classes(IEnumerable<string> names, string source)
    {
        try
        {
            return new ClassMap(names);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"'{Path.GetFullPath(source)}': {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The class map of labels read without one: "0".."max" when every label is a number, else the sorted distinct
    /// names; at most <see cref="AnnotationOptions.MaxClasses"/> classes.
    /// </summary>
    public static ClassMap InferClasses(IEnumerable<(int Line, string Label)> labels, AnnotationOptions options, string file)
    {
        var rows = labels.ToList();
        var numeric = rows.Select(r => (r.Line, r.Label, Ok: int.TryParse(r.Label, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v), Value: v)).ToList();
        if (numeric.All(r => r.Ok))
        {
            var max = numeric.MaxBy(r => r.Value);
            if (max.Value >= options.MaxClasses)
                throw Error(file, max.Line,
                    $"label {max.Value} would make {(long)max.Value + 1} classes, more than AnnotationOptions.MaxClasses ({options.MaxClasses}); pass the class map, or raise MaxClasses if the dataset really has that many classes");
            return new ClassMap(Enumerable.Range(0, max.Value + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        var distinct = rows.DistinctBy(r => r.Label, StringComparer.OrdinalIgnoreCase).ToList();
        if (distinct.Count > options.MaxClasses)
            throw Error(file, distinct[options.MaxClasses].Line,
                $"label '{distinct[options.MaxClasses].Label}' is class number {options.MaxClasses + 1}, more than AnnotationOptions.MaxClasses ({options.MaxClasses}); pass the class map, or raise MaxClasses");
        return Classes(distinct.Select(r => r.Label).Order(StringComparer.Ordinal), file);
    }

    public static InvalidDataException Error(string file, int line, string message) =>
        new($"{Path.GetFullPath(file)}:{line}: {message}.");

    /// <summary>Parses a label that is either an index into <paramref name="classes"/> or a class name.</summary>
    public static int Label(string token, ClassMap classes, string file, int line, int indexBase = 0)
    {
        if (int.TryParse(token, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            var index = number - indexBase;
            if ((uint)index >= (uint)classes.Count)
                throw Error(file, line, $"label {number} is outside the {classes.Count} classes (expected {indexBase}..{classes.Count - 1 + indexBase})");
            return index;
        }
        if (classes.TryGetIndex(token, out var byName))
            return byName;
        throw Error(file, line, $"class '{token}' is not one of the {classes.Count} known classes");
    }
}
