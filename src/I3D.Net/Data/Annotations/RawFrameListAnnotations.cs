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
    /// <param name="classes">The class map; null for classes "0".."max label".</param>
    /// <param name="flowInSameFolder">Whether the flow images sit in the frame folder (mmaction2's layout).</param>
    public static VideoAnnotations Load(string listFile, string? dataRoot = null, ClassMap? classes = null, bool flowInSameFolder = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(listFile);
        var root = dataRoot ?? Path.GetDirectoryName(Path.GetFullPath(listFile))!;
        var rows = AnnotationFile.Lines(listFile)
            .Select(l => (l.Line, Split: AnnotationFile.SplitTail(l.Text, 2, listFile, l.Line, "frame_folder num_frames label")))
            .ToList();
        if (rows.Count == 0)
            throw new InvalidDataException($"Rawframe list '{Path.GetFullPath(listFile)}' holds no entries (expected lines 'frame_folder num_frames label').");
        classes ??= LabelListAnnotations.InferClasses(rows.Select(r => r.Split.Fields[1]));
        var items = rows.Select(r =>
        {
            if (!int.TryParse(r.Split.Fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var frames) || frames <= 0)
                throw AnnotationFile.Error(listFile, r.Line, $"expected a positive frame count, found '{r.Split.Fields[0]}'");
            var path = AnnotationFile.Resolve(root, r.Split.Path);
            return new LabeledVideo(path, AnnotationFile.Label(r.Split.Fields[1], classes, listFile, r.Line))
            {
                FrameCount = frames,
                FlowPath = flowInSameFolder ? path : null,
            };
        }).ToArray();
        return new VideoAnnotations(classes, items);
    }
}
