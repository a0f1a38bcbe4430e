namespace I3D.Net.Data.Video;

/// <summary>Options for opening videos and frame folders.</summary>
public sealed record VideoReaderOptions
{
    /// <summary>The default options.</summary>
    public static VideoReaderOptions Default { get; } = new();

    /// <summary>How to reach frames out of sequence; <see cref="SeekMode.Auto"/> verifies seeking per codec.</summary>
    public SeekMode SeekMode { get; init; } = SeekMode.Auto;

    /// <summary>
    /// Forward gaps up to this many frames are skipped by decoding (grabbing) rather than seeking, since a seek
    /// restarts decoding at the previous key frame anyway.
    /// </summary>
    public int SeekThreshold { get; init; } = 16;

    /// <summary>
    /// When OpenCV opens a file but decodes no frame (AV1 in the bundled FFmpeg build), read it through an
    /// <c>ffmpeg</c> process instead (if one is installed); otherwise fail with a clear message.
    /// </summary>
    public bool UseFfmpegFallback { get; init; } = true;

    /// <summary>The <c>ffmpeg</c> executable for the fallback reader (a name on PATH or a full path).</summary>
    public string FfmpegPath { get; init; } = "ffmpeg";

    /// <summary>The <c>ffprobe</c> executable used to read stream information for the fallback reader.</summary>
    public string FfprobePath { get; init; } = "ffprobe";

    /// <summary>Nominal frame rate reported for frame and flow folders, which store none.</summary>
    public double FolderFps { get; init; } = 25;

    /// <summary>
    /// How many frames at the end of a video may be missing relative to the container's reported frame count
    /// (counts are often estimates) before the video is treated as truncated; missing tail frames repeat the last
    /// decodable frame.
    /// </summary>
    public int TailTolerance { get; init; } = 8;

    /// <summary>Throws <see cref="ArgumentException"/> when an option is out of range.</summary>
    public void Validate()
    {
        if (SeekThreshold < 0)
            throw new ArgumentException($"SeekThreshold must be >= 0, found {SeekThreshold}.");
        if (!(FolderFps > 0))
            throw new ArgumentException($"FolderFps must be > 0, found {FolderFps}.");
        if (TailTolerance < 0)
            throw new ArgumentException($"TailTolerance must be >= 0, found {TailTolerance}.");
        if (string.IsNullOrWhiteSpace(FfmpegPath) || string.IsNullOrWhiteSpace(FfprobePath))
            throw new ArgumentException("FfmpegPath and FfprobePath must be set.");
    }
}
