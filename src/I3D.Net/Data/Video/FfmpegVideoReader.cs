using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Reads a video through an external <c>ffmpeg</c> process that pipes raw <c>rgb24</c> frames (stream information
/// from <c>ffprobe</c>). Used for codecs OpenCV's bundled FFmpeg cannot decode (AV1); decoding is sequential from
/// the start of the file, so it is exact but slower for late frames.
/// </summary>
public sealed class FfmpegVideoReader : IFrameReader
{
    private static readonly ConcurrentBoolCache Available = new();
    private readonly VideoReaderOptions _options;

    /// <summary>Probes <paramref name="path"/> with ffprobe.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidOperationException">ffmpeg/ffprobe are not installed.</exception>
    /// <exception cref="InvalidDataException">Not a regular file or recognised media container, frames over <see cref="VideoReaderOptions.MaxFramePixels"/>, or ffprobe finds no video stream.</exception>
    public FfmpegVideoReader(string path, VideoReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _options = options ?? VideoReaderOptions.Default;
        _options.Validate();
        Path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(Path))
            throw new FileNotFoundException($"Video file '{Path}' does not exist.", Path);
        VideoContainer.Check(Path, _options);
        OpenCvNative.EnsureLoaded();   // frames are resized and cropped with OpenCV
        if (!IsAvailable(_options))
            throw new InvalidOperationException(
                $"The ffmpeg reader needs '{_options.FfmpegPath}' and '{_options.FfprobePath}' on PATH; they were not found (Debian: apt-get install ffmpeg).");
        Info = Probe();
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public VideoInfo Info { get; }

    /// <summary>Whether the ffmpeg and ffprobe executables of <paramref name="options"/> can be run.</summary>
    public static bool IsAvailable(VideoReaderOptions? options = null)
    {
        options ??= VideoReaderOptions.Default;
        return Available.GetOrAdd(options.FfmpegPath + "|" + options.FfprobePath,
            () => CanRun(options.FfmpegPath) && CanRun(options.FfprobePath));
    }

    /// <inheritdoc />
    public Tensor ReadFrames(IReadOnlyList<int> frameIndices, FrameGeometry? geometry = null) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry));

    /// <inheritdoc />
    public Tensor ReadFramesChannelsFirst(IReadOnlyList<int> frameIndices, FrameGeometry? geometry, double scale, double offset) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry, new FloatPlanes(scale, offset)));

    private Tensor Read(FrameGather gather)
    {
        using var _ = gather;
        var frameBytes = Info.Width * Info.Height * 3;
        var buffer = new byte[frameBytes];
        var last = gather.Distinct[^1];
        using var process = Start(_options.FfmpegPath,
            "-nostdin", "-v", "error", "-i", Path, "-map", "0:v:0", "-fps_mode", "passthrough",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.BaseStream;
        var next = 0; // position in gather.Distinct
        var decoded = 0;
        try
        {
            for (var frame = 0; frame <= last; frame++)
            {
                if (!ReadExactly(stdout, buffer))
                    break;
                decoded++;
                while (next < gather.Distinct.Length && gather.Distinct[next] == frame)
                    gather.Put(gather.Distinct[next++], buffer, Info.Height, Info.Width, 3);
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                try { process.Kill(); } catch (InvalidOperationException) { /* exited meanwhile */ }
            }
            process.WaitForExit();
        }
        if (next < gather.Distinct.Length)
        {
            // The stream ended early: repeat the last frame for a short tail, as the count is often an estimate.
            if (decoded == 0 || Info.FrameCount - decoded > _options.TailTolerance)
                throw new InvalidDataException(
                    $"ffmpeg decoded {decoded} of the {Info.FrameCount} frames reported for '{Path}' (codec {Info.Codec}): {Tail(stderr.Result)}");
            while (next < gather.Distinct.Length)
                gather.Put(gather.Distinct[next++], buffer, Info.Height, Info.Width, 3);
        }
        return gather.ToTensor();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // Each read runs its own process; nothing stays open.
    }

    private VideoInfo Probe()
    {
        var fields = RunProbe("-show_entries", "stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames");
        if (!fields.TryGetValue("width", out var w) || !int.TryParse(w, out var width) || width <= 0 ||
            !fields.TryGetValue("height", out var h) || !int.TryParse(h, out var height) || height <= 0)
            throw new InvalidDataException($"ffprobe found no video stream in '{Path}'.");
        if ((long)width * height > _options.MaxFramePixels)
            throw new InvalidDataException(
                $"'{Path}' declares {width}×{height} frames, more than VideoReaderOptions.MaxFramePixels ({_options.MaxFramePixels:N0}) pixels; raise MaxFramePixels to read it.");
        var fps = ParseRate(fields.GetValueOrDefault("avg_frame_rate"));
        if (fps <= 0)
            fps = ParseRate(fields.GetValueOrDefault("r_frame_rate"));
        if (!int.TryParse(fields.GetValueOrDefault("nb_frames"), out var count) || count <= 0)
        {
            // Matroska/WebM store no frame count: count the packets (no decoding).
            var packets = RunProbe("-count_packets", "-show_entries", "stream=nb_read_packets");
            int.TryParse(packets.GetValueOrDefault("nb_read_packets"), out count);
        }
        if (count <= 0)
            throw new InvalidDataException($"ffprobe reports no frames in the video stream of '{Path}'.");
        return new VideoInfo(count, fps, width, height, 3, fields.GetValueOrDefault("codec_name") ?? "unknown");
    }

    private Dictionary<string, string> RunProbe(params string[] query)
    {
        var args = new List<string> { "-v", "error", "-select_streams", "v:0" };
        args.AddRange(query);
        args.AddRange(["-of", "default=noprint_wrappers=1", Path]);
        using var process = Start(_options.FfprobePath, [.. args]);
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidDataException($"ffprobe could not read '{Path}': {Tail(stderr.Result)}");
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = line.IndexOf('=');
            if (eq > 0)
                result[line[..eq]] = line[(eq + 1)..];
        }
        return result;
    }

    private static double ParseRate(string? rate)
    {
        if (string.IsNullOrEmpty(rate))
            return 0;
        var parts = rate.Split('/');
        if (parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out var num) &&
            double.TryParse(parts[1], CultureInfo.InvariantCulture, out var den) && den > 0)
            return num / den;
        return double.TryParse(rate, CultureInfo.InvariantCulture, out var value) ? value : 0;
    }

    private static bool ReadExactly(Stream stream, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
                return false;
            read += n;
        }
        return true;
    }

    private static Process Start(string exe, params string[] args)
    {
        var info = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        foreach (var a in args)
            info.ArgumentList.Add(a);
        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{exe}'.");
    }

    private static bool CanRun(string exe)
    {
        try
        {
            using var p = Start(exe, "-version");
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    private static string Tail(string text)
    {
        text = text.Trim();
        if (text.Length == 0)
            return "no error output";
        return text.Length > 400 ? "…" + text[^400..] : text;
    }

    private sealed class ConcurrentBoolCache
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _values = new();
        public bool GetOrAdd(string key, Func<bool> factory) => _values.GetOrAdd(key, _ => factory());
    }
}
