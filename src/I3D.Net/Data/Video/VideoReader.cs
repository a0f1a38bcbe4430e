namespace I3D.Net.Data.Video;

/// <summary>Opens the right <see cref="IFrameReader"/> for a path.</summary>
public static class VideoReader
{
    /// <summary>
    /// Opens a video file with OpenCV, falling back to <see cref="FfmpegVideoReader"/> when the file opens but no
    /// frame decodes (AV1); a folder opens as a <see cref="FrameFolderReader"/>.
    /// </summary>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file or folder holds no decodable video.</exception>
    public static IFrameReader Open(string path, VideoReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= VideoReaderOptions.Default;
        if (Directory.Exists(path))
            return new FrameFolderReader(path, options);
        if (!File.Exists(path))
            throw new FileNotFoundException($"Video '{Path.GetFullPath(path)}' does not exist (neither a file nor a frame folder).", path);
        try
        {
            return new OpenCvVideoReader(path, options);
        }
        catch (InvalidDataException ex) when (NoDecodableFrames.Is(ex) && options.UseFfmpegFallback && FfmpegVideoReader.IsAvailable(options))
        {
            return new FfmpegVideoReader(path, options);
        }
    }

    /// <summary>Opens a flow folder (x/y JPEG pairs) as a <see cref="FlowFolderReader"/>.</summary>
    public static IFrameReader OpenFlow(string folder, VideoReaderOptions? options = null) => new FlowFolderReader(folder, options);
}
