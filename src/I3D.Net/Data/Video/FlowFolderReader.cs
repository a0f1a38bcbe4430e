using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Reads pre-computed optical flow stored as pairs of grayscale JPEGs: <c>x_00001.jpg</c>/<c>y_00001.jpg</c>
/// (denseflow) or <c>flow_x_00001.jpg</c>/<c>flow_y_00001.jpg</c> (mmaction2). Values are quantised displacements:
/// see <see cref="I3D.Net.Flow.FlowQuantization"/>. Frames come out as uint8 <c>[T, H, W, 2]</c> with channels (x, y).
/// </summary>
/// <remarks>
/// A folder written by <see cref="I3D.Net.Flow.FlowExtractor"/> holds <see cref="I3D.Net.Flow.FlowSettings.FileName"/>:
/// its <see cref="I3D.Net.Flow.FlowSettings.Fps"/> becomes <see cref="VideoInfo.Fps"/>, so the loader resamples flow
/// like the video's RGB frames. A folder without it reports <see cref="VideoReaderOptions.FolderFps"/> and
/// <see cref="Settings"/> is null (the loader then assumes the video's own rate; see <c>docs/flow.md</c>).
/// </remarks>
public sealed class FlowFolderReader : IFrameReader
{
    private readonly (string X, string Y)[] _pairs;

    /// <summary>Pairs the x and y images of <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No flow images, an x image without its y image, or an invalid <c>flow.json</c>.</exception>
    public FlowFolderReader(string folder, VideoReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= VideoReaderOptions.Default;
        options.Validate();
        Path = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(Path))
            throw new DirectoryNotFoundException($"Flow folder '{Path}' does not exist.");
        var files = FrameFileNames.List(Path);
        var scheme = files.Any(f => f.Prefix.Equals("flow_x_", StringComparison.OrdinalIgnoreCase)) ? "flow_"
            : files.Any(f => f.Prefix.Equals("x_", StringComparison.OrdinalIgnoreCase)) ? ""
            : throw new InvalidDataException($"Flow folder '{Path}' holds no flow images (expected x_00001.jpg/y_00001.jpg or flow_x_00001.jpg/flow_y_00001.jpg).");
        var xs = files.Where(f => f.Prefix.Equals(scheme + "x_", StringComparison.OrdinalIgnoreCase)).ToDictionary(f => f.Number, f => f.Path);
        var ys = files.Where(f => f.Prefix.Equals(scheme + "y_", StringComparison.OrdinalIgnoreCase)).ToDictionary(f => f.Number, f => f.Path);
        var unpaired = xs.Keys.Except(ys.Keys).Concat(ys.Keys.Except(xs.Keys)).Order().ToList();
        if (unpaired.Count > 0)
            throw new InvalidDataException(
                $"Flow folder '{Path}' has {xs.Count} x and {ys.Count} y images; frame number(s) {string.Join(", ", unpaired.Take(5))} lack their {scheme}x_/{scheme}y_ partner.");
        _pairs = xs.Keys.Order().Select(n => (xs[n], ys[n])).ToArray();
        Settings = I3D.Net.Flow.FlowSettings.TryLoad(Path);
        using var first = Decode(_pairs[0].X);
        var fps = Settings is { Fps: > 0 } known ? known.Fps : options.FolderFps;
        Info = new VideoInfo(_pairs.Length, fps, first.Width, first.Height, 2, $"flow ({scheme}x_/{scheme}y_)");
    }

    /// <summary>How the flow was made (the folder's <c>flow.json</c>), or null when the folder has none.</summary>
    public I3D.Net.Flow.FlowSettings? Settings { get; }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public VideoInfo Info { get; }

    /// <inheritdoc />
    public Tensor ReadFrames(IReadOnlyList<int> frameIndices, FrameGeometry? geometry = null) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry));

    /// <inheritdoc />
    public Tensor ReadFramesChannelsFirst(IReadOnlyList<int> frameIndices, FrameGeometry? geometry, double scale, double offset) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry, new FloatPlanes(scale, offset)));

    private Tensor Read(FrameGather gather)
    {
        using var _ = gather;
        using var xy = new Mat();
        foreach (var index in gather.Distinct)
        {
            using var x = Decode(_pairs[index].X);
            using var y = Decode(_pairs[index].Y);
            if (x.Size() != y.Size())
                throw new InvalidDataException($"Flow images '{_pairs[index].X}' ({x.Width}x{x.Height}) and '{_pairs[index].Y}' ({y.Width}x{y.Height}) differ in size.");
            Cv2.Merge([x, y], xy);
            gather.Put(index, xy);
        }
        return gather.ToTensor();
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private static Mat Decode(string file) => ImageFileDecoder.Decode(file, ImreadModes.Grayscale, "flow image", "a grayscale JPEG or PNG");
}
