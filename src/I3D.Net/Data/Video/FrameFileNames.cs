using I3D.Net.IO;
using System.Globalization;

namespace I3D.Net.Data.Video;

/// <summary>Finds and orders frame images in a folder (mmaction2 <c>img_00001.jpg</c>, denseflow <c>x_00001.jpg</c>, …).</summary>
internal static class FrameFileNames
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>
    /// Image files in <paramref name="folder"/> keyed by (prefix, number), e.g. ("img_", 1). Every numbered image must
    /// be a regular file (or a link to one) numbered with ASCII digits that fit a 64-bit integer.
    /// </summary>
    /// <exception cref="InvalidDataException">A numbered image is a FIFO, device or socket, or its number is not 0-9 digits or too large.</exception>
    public static List<(string Prefix, long Number, string Path)> List(string folder)
    {
        var result = new List<(string, long, string)>();
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            if (!ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                continue;
            var name = Path.GetFileNameWithoutExtension(file);
            var start = name.Length;
            while (start > 0 && char.IsDigit(name[start - 1]))
                start--;                       // any Unicode decimal digit, so that look-alikes are reported, not skipped
            if (start == name.Length)
                continue;
            var digits = name[start..];
            if (!digits.All(char.IsAsciiDigit))
                throw new InvalidDataException($"Frame file '{file}' is numbered '{digits}', which is not ASCII digits 0-9; rename it (e.g. img_00001.jpg).");
            if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                throw new InvalidDataException($"Frame file '{file}' is numbered {digits}, more than the largest frame number {long.MaxValue}.");
            RegularFile.Require(file, "frame file");
            result.Add((name[..start], number, file));
        }
        return result;
    }

    /// <summary>The files of one naming scheme by frame number; two files with one number (img_1.jpg, img_001.png) are an error naming both.</summary>
    /// <exception cref="InvalidDataException">Two or more files share a frame number.</exception>
    public static SortedDictionary<long, string> ByNumber(IEnumerable<(string Prefix, long Number, string Path)> files, string folder)
    {
        var result = new SortedDictionary<long, string>();
        List<(long Number, List<string> Files)>? clashes = null;
        foreach (var group in files.GroupBy(f => f.Number))
        {
            var paths = group.Select(f => Path.GetFileName(f.Path)).Order(StringComparer.Ordinal).ToList();
            if (paths.Count > 1)
                (clashes ??= []).Add((group.Key, paths));
            else
                result.Add(group.Key, group.First().Path);
        }
        if (clashes is not null)
        {
            var shown = clashes.OrderBy(c => c.Number).Take(5).Select(c => $"frame {c.Number}: {string.Join(", ", c.Files.Select(f => $"'{f}'"))}");
            throw new InvalidDataException(
                $"Folder '{folder}' has several files for one frame number ({string.Join("; ", shown)}{(clashes.Count > 5 ? $"; and {clashes.Count - 5} more" : "")}); keep one file per number.");
        }
        return result;
    }

    /// <summary>Whether a prefix names flow images (<c>x_</c>, <c>y_</c>, <c>flow_x_</c>, <c>flow_y_</c>).</summary>
    public static bool IsFlowPrefix(string prefix) =>
        prefix.Equals("x_", StringComparison.OrdinalIgnoreCase) || prefix.Equals("y_", StringComparison.OrdinalIgnoreCase) ||
        prefix.Equals("flow_x_", StringComparison.OrdinalIgnoreCase) || prefix.Equals("flow_y_", StringComparison.OrdinalIgnoreCase);
}
