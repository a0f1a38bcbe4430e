namespace I3D.Net.Flow;

/// <summary>
/// Where a video's flow folder lives: the flow tree mirrors the video tree, with each video file becoming a folder
/// named like the file without its extension (<c>train/walk/clip0.mp4</c> → <c>&lt;flow root&gt;/train/walk/clip0/</c>).
/// <see cref="FlowExtractor"/> writes this layout and the data pipeline (<c>WithFlowRoot</c>) reads it.
/// </summary>
public static class FlowLayout
{
    /// <summary>The folder path of <paramref name="videoPath"/> relative to <paramref name="videoRoot"/>, without the extension (e.g. <c>train/walk/clip0</c>).</summary>
    /// <exception cref="ArgumentException">
    /// The video is not inside <paramref name="videoRoot"/>, or its file name gives no usable folder name (e.g. <c>...avi</c>,
    /// whose name without extension is <c>..</c>, the parent folder).
    /// </exception>
    public static string RelativeFolder(string videoRoot, string videoPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        ArgumentException.ThrowIfNullOrEmpty(videoPath);
        var root = Path.GetFullPath(videoRoot);
        var video = Path.GetFullPath(videoPath);
        var relative = Path.GetRelativePath(root, video);
        if (Path.IsPathRooted(relative) || relative == "." || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new ArgumentException($"Video '{video}' is not inside the video root '{root}'.", nameof(videoPath));
        var parts = relative.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        parts[^1] = FolderName(video);
        return Path.Combine(parts);
    }

    /// <summary>The flow folder of <paramref name="videoPath"/> under <paramref name="flowRoot"/>, mirroring its place under <paramref name="videoRoot"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="RelativeFolder"/>; the result is always strictly inside <paramref name="flowRoot"/>.</exception>
    public static string FolderFor(string flowRoot, string videoRoot, string videoPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(flowRoot);
        return Inside(Path.GetFullPath(flowRoot), RelativeFolder(videoRoot, videoPath), videoPath);
    }

    /// <summary>
    /// Finds the flow folder of <paramref name="videoPath"/> by convention when the video root is not known: the longest
    /// trailing part of the video's path (without extension) that exists as a folder under <paramref name="flowRoot"/>,
    /// so <c>…/data/train/walk/clip0.mp4</c> finds <c>&lt;flow root&gt;/train/walk/clip0</c>, <c>&lt;flow root&gt;/walk/clip0</c>
    /// or <c>&lt;flow root&gt;/clip0</c>, in that order of preference. Null when none exists.
    /// </summary>
    /// <exception cref="ArgumentException">The video's file name gives no usable folder name.</exception>
    public static string? Find(string flowRoot, string videoPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(flowRoot);
        ArgumentException.ThrowIfNullOrEmpty(videoPath);
        var root = Path.GetFullPath(flowRoot);
        var video = Path.GetFullPath(videoPath);
        var parts = video.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
            return null;
        parts[^1] = FolderName(video);
        if (Path.IsPathRooted(parts[0]) || parts[0].EndsWith(':'))
            parts = parts[1..];   // a drive letter is not part of the mirrored tree
        for (var k = parts.Length; k >= 1; k--)
        {
            var candidate = Inside(root, Path.Combine(parts[^k..]), videoPath);
            if (Directory.Exists(candidate))
                return candidate;
        }
        return null;
    }

    /// <summary>The folder name of a video file: its name without extension, refused when that is empty or only dots.</summary>
    private static string FolderName(string video)
    {
        var stem = Path.GetFileNameWithoutExtension(video);
        if (stem.Length == 0 || stem.All(c => c == '.') || stem.Trim().Length == 0)
            throw new ArgumentException(
                $"Video '{video}' has no usable name for its flow folder: without its extension the name is '{stem}'. Rename the file.",
                nameof(video));
        return stem;
    }

    private static string Inside(string root, string relative, string video)
    {
        var folder = Path.GetFullPath(Path.Combine(root, relative));
        var prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!folder.StartsWith(prefix, StringComparison.Ordinal))
            throw new ArgumentException($"The flow folder of video '{video}' would be '{folder}', outside the flow root '{root}'.", nameof(video));
        return folder;
    }
}
