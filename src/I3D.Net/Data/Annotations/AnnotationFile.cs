namespace I3D.Net.Data.Annotations;

/// <summary>Shared reading of line-based annotation files: blank lines and <c>#</c> comments are skipped.</summary>
internal static class AnnotationFile
{
    public static IEnumerable<(int Line, string Text)> Lines(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Annotation file '{Path.GetFullPath(path)}' does not exist.", path);
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

    public static string Resolve(string root, string path) =>
        Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path.Replace('\\', '/')));

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
