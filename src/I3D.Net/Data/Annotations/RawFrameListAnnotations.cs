using System.Globalization;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// An mmaction2 rawframe list: one <c>frame_folder num_frames label</c> per line, folders relative to a data root
/// (frames named <c>img_00001.jpg</c>, flow <c>flow_x_00001.jpg</c>/<c>flow_y_00001.jpg</c>).
/// </summary>
public static class RawFrameListAnnotations
{
    /// <summary>Reads <paramref name="listFile"/>.</summary>
    /// <param name="listFile">The list file.</param>
    /// <param name="dataRoot">Folder relative paths start from; null for the list file's folder.</param>
    /// <param name="classes">The class map; null for classes "0".."max label" (at most <see cref="AnnotationOptions.MaxClasses"/>).</param>
    /// <param name="flowInSameFolder">Whether the flow images sit in the frame folder (mmaction2's layout).</param>
    /// <param name="options">Limits and permissions; null for <see cref="AnnotationOptions.Default"/>.</param>
    /// <exception cref="InvalidDataException">A malformed line, a label outside the classes, too many inferred classes, or a path outside the root (the message names the file and line).</exception>
    public static VideoAnnotations Load(string listFile, string? dataRoot = null, ClassMap? classes = null, bool flowInSameFolder = false,
        AnnotationOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(listFile);
        options ??= AnnotationOptions.Default;
        options.Validate();
        var root = dataRoot ?? Path.GetDirectoryName(Path.GetFullPath(listFile))!;
        var rows = AnnotationFile.Lines(listFile)
            .Select(l => (l.Line, Split: AnnotationFile.SplitTail(l.Text, 2, listFile, l.Line, "frame_folder num_frames label")))
            .ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"Rawframe list '{Path.GetFullPath(listFile)}' holds no entries (expected lines 'frame_folder num_frames label').");
        classes ??= AnnotationFile.InferClasses(rows.Select(r => (r.Line, r.Split.Fields[1])), options, listFile);
        var items = rows.Select(r =>
        {
            if (!int.TryParse(r.Split.Fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var frames) || frames <= 0)
                throw AnnotationFile.Error(listFile, r.Line, $"expected a positive frame count, found '{r.Split.Fields[0]}'");
            var path = AnnotationFile.Resolve(root, r.Split.Path, options, listFile, r.Line);
            return new LabeledVideo(path, AnnotationFile.Label(r.Split.Fields[1], classes, listFile, r.Line))
            {
                FrameCount = frames,
                FlowPath = flowInSameFolder ? path : null,
            };
        }).ToArray();
        return new VideoAnnotations(classes, items);
    }
}
