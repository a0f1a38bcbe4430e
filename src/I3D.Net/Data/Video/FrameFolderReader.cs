using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Reads a folder of pre-extracted RGB frames (JPEG/PNG), ordered by the number in each name: mmaction2's
/// <c>img_00001.jpg</c> (numbered from 1), or any other <c>prefix + number</c> naming. Flow images in the same
/// folder (<c>x_</c>/<c>y_</c>/<c>flow_x_</c>/<c>flow_y_</c>) are ignored.
/// </summary>
public sealed class FrameFolderReader : IFrameReader
{
    private readonly string[] _files;
    private readonly long _maxPixels;

    /// <summary>Lists the frames of <paramref name="folder"/> and reads the first one for its size.</summary>
    /// <param name="folder">The frame folder.</param>
    /// <param name="options">Reader options (<see cref="VideoReaderOptions.FolderFps"/> gives the frame rate).</param>
    /// <param name="prefix">The frame name prefix (e.g. <c>img_</c>); null picks <c>img_</c> when present, else the only prefix.</param>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">
    /// The folder holds no frames, several naming schemes, two files for one frame number, a frame that is not a regular
    /// file, or a first frame that declares more than <see cref="VideoReaderOptions.MaxFramePixels"/> pixels.
    /// </exception>
    public FrameFolderReader(string folder, VideoReaderOptions? options = null, string? prefix = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        options ??= VideoReaderOptions.Default;
        options.Validate();
        Path = System.IO.Path.GetFullPath(folder);
        if (!Directory.Exists(Path))
            throw new DirectoryNotFoundException($"Frame folder '{Path}' does not exist.");
        var frames = FrameFileNames.List(Path).Where(f => !FrameFileNames.IsFlowPrefix(f.Prefix)).ToList();
        var prefixes = frames.Select(f => f.Prefix).Distinct(StringComparer.Ordinal).ToList();
        prefix ??= prefixes.Contains("img_") ? "img_" : prefixes.Count == 1 ? prefixes[0] : null;
        if (prefix is null)
            throw new InvalidDataException(prefixes.Count == 0
                ? $"Frame folder '{Path}' holds no numbered JPEG/PNG frames (expected e.g. img_00001.jpg)."
                : $"Frame folder '{Path}' mixes frame prefixes ({string.Join(", ", prefixes.Select(p => $"'{p}'"))}); pass the prefix to use.");
        _files = FrameFileNames.ByNumber(frames.Where(f => f.Prefix == prefix), Path).Values.ToArray();
        _maxPixels = options.MaxFramePixels;
        if (_files.Length == 0)
            throw new InvalidDataException($"Frame folder '{Path}' holds no frames named '{prefix}<number>.jpg|png'.");
        using var first = Decode(_files[0]);
        Info = new VideoInfo(_files.Length, options.FolderFps, first.Width, first.Height, 3, $"frames ({prefix}*)");
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public VideoInfo Info { get; }

    /// <summary>The frame files in order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <inheritdoc />
    public Tensor ReadFrames(IReadOnlyList<int> frameIndices, FrameGeometry? geometry = null) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry));

    /// <inheritdoc />
    public Tensor ReadFramesChannelsFirst(IReadOnlyList<int> frameIndices, FrameGeometry? geometry, double scale, double offset) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry, new FloatPlanes(scale, offset)));

    private Tensor Read(FrameGather gather)
    {
        using var _ = gather;
        foreach (var index in gather.Distinct)
        {
            using var bgr = Decode(_files[index]);
            gather.Put(index, bgr, ColorConversionCodes.BGR2RGB);
        }
        return gather.ToTensor();
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private Mat Decode(string file) => ImageFileDecoder.Decode(file, ImreadModes.Color, "frame image", "a JPEG or PNG image", _maxPixels);
}
