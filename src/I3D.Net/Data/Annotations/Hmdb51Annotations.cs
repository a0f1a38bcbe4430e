using System.Text.RegularExpressions;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// HMDB-51's split files <c>&lt;class&gt;_test_split&lt;N&gt;.txt</c>, one <c>video.avi tag</c> per line where tag 1 is
/// training, 2 testing and 0 unused. Classes are the class names of the split files in ordinal order; videos live
/// at <c>videoRoot/&lt;class&gt;/&lt;video&gt;</c>.
/// </summary>
public static partial class Hmdb51Annotations
{
    /// <summary>Reads split <paramref name="split"/> (1–3).</summary>
    /// <param name="splitsFolder">The folder with the split files.</param>
    /// <param name="videoRoot">The folder holding the class folders of videos.</param>
    /// <param name="split">The split number, 1 to 3.</param>
    /// <param name="subset">Train or test videos.</param>
    /// <param name="options">Permissions (paths outside <paramref name="videoRoot"/>); null for <see cref="AnnotationOptions.Default"/>.</param>
    public static VideoAnnotations Load(string splitsFolder, string videoRoot, int split, DatasetSubset subset, AnnotationOptions? options = null)
    {
        options ??= AnnotationOptions.Default;
        options.Validate();
        ArgumentException.ThrowIfNullOrEmpty(splitsFolder);
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(split, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(split, 3);
        if (!Directory.Exists(splitsFolder))
            throw new DirectoryNotFoundException($"HMDB-51 splits folder '{Path.GetFullPath(splitsFolder)}' does not exist.");
        var files = Directory.EnumerateFiles(splitsFolder, $"*_test_split{split}.txt")
            .Select(f => (File: f, Match: SplitFileName().Match(Path.GetFileName(f))))
            .Where(f => f.Match.Success && f.Match.Groups[2].Value == split.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .OrderBy(f => f.Match.Groups[1].Value, StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
            throw new InvalidDataException($"No HMDB-51 split files '<class>_test_split{split}.txt' in '{Path.GetFullPath(splitsFolder)}'.");
        var classes = AnnotationFile.Classes(files.Select(f => f.Match.Groups[1].Value), splitsFolder);
        var wanted = subset == DatasetSubset.Train ? "1" : "2";
        var items = new List<LabeledVideo>();
        for (var label = 0; label < files.Count; label++)
        {
            foreach (var (line, text) in AnnotationFile.Lines(files[label].File))
            {
                var (video, fields) = AnnotationFile.SplitTail(text, 1, files[label].File, line, "video.avi 0|1|2");
                if (fields[0] is not ("0" or "1" or "2"))
                    throw AnnotationFile.Error(files[label].File, line, $"expected tag 0 (unused), 1 (train) or 2 (test), found '{fields[0]}'");
                if (fields[0] == wanted)
                    items.Add(new LabeledVideo(AnnotationFile.Resolve(videoRoot, Path.IsPathRooted(video) ? video : classes[label] + "/" + video, options, files[label].File, line), label));
            }
        }
        return new VideoAnnotations(classes, items);
    }

    [GeneratedRegex(@"^(.+)_test_split(\d+)\.txt$", RegexOptions.CultureInvariant)]
    private static partial Regex SplitFileName();
}
