using System.Globalization;
using System.Text;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// A Kinetics CSV (<c>label,youtube_id,time_start,time_end,split</c>; labels with commas are quoted). Each row's
/// video is <c>videoRoot/&lt;label&gt;/&lt;youtube_id&gt;_&lt;start:000000&gt;_&lt;end:000000&gt;.mp4</c>, the layout of
/// the official downloader.
/// </summary>
public static class KineticsCsvAnnotations
{
    private static readonly string[] Required = ["label", "youtube_id", "time_start", "time_end"];

    /// <summary>The largest time (seconds) a row may give: the file names hold six digits.</summary>
    public const int MaxSeconds = 999_999;

    /// <summary>Reads <paramref name="csvFile"/>.</summary>
    /// <param name="csvFile">The CSV file with a header row.</param>
    /// <param name="videoRoot">The folder holding one folder per class.</param>
    /// <param name="classes">The class map (e.g. from label_map.txt); null for the sorted distinct labels.</param>
    /// <param name="classFolder">Maps a label to its folder name (some downloaders write <c>air_drumming</c>); null keeps the label.</param>
    /// <param name="extension">The video file extension.</param>
    /// <param name="options">Limits and permissions; null for <see cref="AnnotationOptions.Default"/>.</param>
    /// <exception cref="InvalidDataException">
    /// A malformed row, a time that is not a finite number of seconds in [0, <see cref="MaxSeconds"/>] (or an end before
    /// its start), a label outside the classes, or a video path outside the root; the message names the file and line.
    /// </exception>
    public static VideoAnnotations Load(string csvFile, string videoRoot, ClassMap? classes = null,
        Func<string, string>? classFolder = null, string extension = ".mp4", AnnotationOptions? options = null)
    {
        options ??= AnnotationOptions.Default;
        options.Validate();
        ArgumentException.ThrowIfNullOrEmpty(csvFile);
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        using var lines = AnnotationFile.Lines(csvFile).GetEnumerator();
        if (!lines.MoveNext())
            throw new InvalidDataException($"Kinetics CSV '{Path.GetFullPath(csvFile)}' is empty (expected a header 'label,youtube_id,time_start,time_end,split').");
        var header = ParseRow(lines.Current.Text, csvFile, lines.Current.Line);
        var column = Required.ToDictionary(c => c, c => Array.FindIndex(header, h => h.Trim().Equals(c, StringComparison.OrdinalIgnoreCase)));
        var missing = column.Where(c => c.Value < 0).Select(c => c.Key).ToList();
        if (missing.Count > 0)
            throw AnnotationFile.Error(csvFile, lines.Current.Line, $"the header lacks column(s) {string.Join(", ", missing)} (found '{lines.Current.Text}')");
        var rows = new List<(int Line, string Label, string Id, int Start, int End)>();
        while (lines.MoveNext())
        {
            var (line, text) = lines.Current;
            var fields = ParseRow(text, csvFile, line);
            if (fields.Length != header.Length)
                throw AnnotationFile.Error(csvFile, line, $"expected {header.Length} fields, found {fields.Length} in '{text}'");
            var start = Seconds(fields[column["time_start"]], csvFile, line);
            var end = Seconds(fields[column["time_end"]], csvFile, line);
            if (end < start)
                throw AnnotationFile.Error(csvFile, line, $"time_end {end} s is before time_start {start} s");
            rows.Add((line, fields[column["label"]].Trim(), fields[column["youtube_id"]].Trim(), start, end));
        }
        if (rows.Count == 0)
            throw new InvalidDataException($"Kinetics CSV '{Path.GetFullPath(csvFile)}' has a header but no rows.");
        if (classes is null)
        {
            var distinct = rows.DistinctBy(r => r.Label, StringComparer.OrdinalIgnoreCase).ToList();
            if (distinct.Count > options.MaxClasses)
                throw AnnotationFile.Error(csvFile, distinct[options.MaxClasses].Line,
                    $"label '{distinct[options.MaxClasses].Label}' is class number {options.MaxClasses + 1}, more than AnnotationOptions.MaxClasses ({options.MaxClasses}); pass the class map, or raise MaxClasses");
            classes = AnnotationFile.Classes(distinct.Select(r => r.Label).Order(StringComparer.Ordinal), csvFile);
        }
        var items = rows.Select(r =>
        {
            var label = AnnotationFile.Label(r.Label, classes, csvFile, r.Line);
            var folder = classFolder?.Invoke(r.Label) ?? r.Label;
            var file = string.Create(CultureInfo.InvariantCulture, $"{r.Id}_{r.Start:000000}_{r.End:000000}{extension}");
            return new LabeledVideo(AnnotationFile.Resolve(videoRoot, folder + "/" + file, options, csvFile, r.Line), label);
        }).ToArray();
        return new VideoAnnotations(classes, items);
    }

    private static int Seconds(string field, string file, int line)
    {
        // NaN, Infinity and 1e300 parse as doubles; a time must be a finite number of seconds that fits the file name.
        if (!double.TryParse(field.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ||
            !double.IsFinite(value) || value < 0 || Math.Round(value) > MaxSeconds)
            throw AnnotationFile.Error(file, line, $"expected a time in seconds between 0 and {MaxSeconds}, found '{field}'");
        return (int)Math.Round(value);
    }

    /// <summary>Splits one CSV row (RFC 4180 quoting: <c>"a, b"</c>, doubled quotes inside).</summary>
    internal static string[] ParseRow(string text, string file, int line)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else field.Append(c);
        }
        if (quoted)
            throw AnnotationFile.Error(file, line, $"unterminated quoted field in '{text}'");
        fields.Add(field.ToString());
        return fields.ToArray();
    }
}
