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

    /// <summary>The default of <see cref="MaxFramePixels"/>: 7680×4320 (8K UHD).</summary>
    public const long DefaultMaxFramePixels = 7680L * 4320;

    /// <summary>
    /// The most pixels (width × height) a frame may have, in videos and in frame and flow images. Checked from the
    /// image header or the container's stream information before any frame is decoded, so a small file that declares
    /// a huge frame (a 1 MB PNG can declare 20000×20000) is refused instead of costing gigabytes. Raise it for larger
    /// footage.
    /// </summary>
    public long MaxFramePixels { get; init; } = DefaultMaxFramePixels;

    /// <summary>
    /// Whether a binary video file whose first bytes match no known container (MP4/MOV, AVI, Matroska/WebM, MPEG-TS/PS,
    /// FLV, OGG, ASF, GIF, …) is still handed to FFmpeg. Off by default: FFmpeg probes by content and follows scripts
    /// and playlists. Text files (concat scripts, playlists) are refused either way.
    /// </summary>
    public bool AllowUnrecognizedContainers { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("video reader options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        errors.Require(SeekThreshold >= 0, $"SeekThreshold must be >= 0, found {SeekThreshold}.");
        errors.Require(FolderFps > 0, $"FolderFps must be > 0, found {FolderFps}.");
        errors.Require(TailTolerance >= 0, $"TailTolerance must be >= 0, found {TailTolerance}.");
        errors.Require(MaxFramePixels >= 1, $"MaxFramePixels must be >= 1, found {MaxFramePixels}.");
        errors.Require(!string.IsNullOrWhiteSpace(FfmpegPath) && !string.IsNullOrWhiteSpace(FfprobePath), "FfmpegPath and FfprobePath must be set.");
    }
}
