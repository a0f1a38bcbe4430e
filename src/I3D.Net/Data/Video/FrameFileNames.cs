using System.Text.RegularExpressions;

namespace I3D.Net.Data.Video;

/// <summary>Finds and orders frame images in a folder (mmaction2 <c>img_00001.jpg</c>, denseflow <c>x_00001.jpg</c>, …).</summary>
internal static partial class FrameFileNames
{
    private static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".bmp"];

    /// <summary>Image files in <paramref name="folder"/> keyed by (prefix, number), e.g. ("img_", 1).</summary>
    public static List<(string Prefix, long Number, string Path)> List(string folder)
    {
        var result = new List<(string, long, string)>();
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            if (!ImageExtensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                continue;
            var match = NumberedName().Match(Path.GetFileNameWithoutExtension(file));
            if (match.Success)
                result.Add((match.Groups[1].Value, long.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), file));
        }
        return result;
    }

    /// <summary>Whether a prefix names flow images (<c>x_</c>, <c>y_</c>, <c>flow_x_</c>, <c>flow_y_</c>).</summary>
    public static bool IsFlowPrefix(string prefix) =>
        prefix.Equals("x_", StringComparison.OrdinalIgnoreCase) || prefix.Equals("y_", StringComparison.OrdinalIgnoreCase) ||
        prefix.Equals("flow_x_", StringComparison.OrdinalIgnoreCase) || prefix.Equals("flow_y_", StringComparison.OrdinalIgnoreCase);

    [GeneratedRegex(@"^(.*?)(\d+)$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberedName();
}
