using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// Precomputes optical flow for a video dataset in the layout two-stream training pipelines (mmaction2, I3D
/// ports) read: for a video <c>clip.mp4</c>, the folder <c>&lt;output&gt;/clip/</c> holds <c>flow_x_00001.jpg</c>,
/// <c>flow_y_00001.jpg</c>, … — one x/y pair of 8-bit grayscale JPEGs per consecutive frame pair, numbered from 1,
/// quantised with <see cref="FlowQuantization"/> — and, written last and atomically, a <c>.done</c> marker.
/// </summary>
/// <remarks>
/// A video whose folder has the marker is skipped, so an interrupted run resumes where it stopped; a folder without
/// it is recomputed from scratch. Videos are processed in parallel (<see cref="FlowExtractionOptions.MaxDegreeOfParallelism"/>),
/// each on one thread, decoded with OpenCV's <c>VideoCapture</c> and converted to grayscale.
/// </remarks>
public sealed partial class FlowExtractor
{
    /// <summary>The marker file that says a video's folder is complete.</summary>
    public const string DoneMarker = ".done";

    private readonly IOpticalFlow _flow;
    private readonly ILogger _logger;

    /// <summary>Creates an extractor.</summary>
    /// <param name="flow">The flow method, e.g. <see cref="TvL1OpticalFlow"/> (it must be safe to call from several threads, as both built-in methods are).</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="logger">Optional logger.</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public FlowExtractor(IOpticalFlow flow, FlowExtractionOptions? options = null, ILogger<FlowExtractor>? logger = null)
    {
        _flow = flow ?? throw new ArgumentNullException(nameof(flow));
        Options = options ?? new FlowExtractionOptions();
        Options.Validate();
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>The settings in use.</summary>
    public FlowExtractionOptions Options { get; }

    /// <summary>The folder that receives a video's flow images: <c>&lt;output&gt;/&lt;file name without extension&gt;</c>.</summary>
    public static string VideoFolder(string outputDirectory, string videoPath) =>
        Path.Combine(outputDirectory, Path.GetFileNameWithoutExtension(videoPath));

    /// <summary>File name of the x (<paramref name="component"/> 'x') or y flow image of 1-based pair <paramref name="index"/>.</summary>
    public static string ImageName(char component, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"flow_{component}_{index:D5}.jpg");

    /// <summary>Extracts flow for every video that is not complete yet.</summary>
    /// <param name="videoPaths">Video files; their names without extension must be distinct.</param>
    /// <param name="outputDirectory">Root of the output layout (created if missing).</param>
    /// <param name="progress">Receives one report per finished video.</param>
    /// <param name="cancellationToken">Stops the run; unfinished videos keep no marker and are redone next time.</param>
    /// <returns>Which videos were extracted, skipped and failed.</returns>
    /// <exception cref="FileNotFoundException">A video file does not exist.</exception>
    /// <exception cref="ArgumentException">Two videos would share an output folder.</exception>
    public async Task<FlowExtractionSummary> ExtractAsync(
        IEnumerable<string> videoPaths, string outputDirectory,
        IProgress<FlowExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(videoPaths);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var videos = videoPaths.ToList();
        foreach (var video in videos)
        {
            if (!File.Exists(video))
                throw new FileNotFoundException($"Video '{video}' does not exist.", video);
        }
        var clash = videos.GroupBy(v => Path.GetFileNameWithoutExtension(v), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException(
                $"Videos '{string.Join("', '", clash)}' would share the output folder '{clash.Key}'; video names must be distinct.",
                nameof(videoPaths));
        Directory.CreateDirectory(outputDirectory);

        var extracted = new ConcurrentBag<string>();
        var skipped = new ConcurrentBag<string>();
        var failed = new ConcurrentDictionary<string, string>();
        int completed = 0;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(videos, parallel, (video, ct) =>
        {
            // Synchronous body: the video stays on one thread (TorchSharp dispose scopes are per thread).
            var folder = VideoFolder(outputDirectory, video);
            FlowVideoStatus status;
            int pairs = 0;
            string? error = null;
            if (TryReadDone(folder, out pairs))
            {
                status = FlowVideoStatus.Skipped;
                skipped.Add(video);
                LogSkipped(video);
            }
            else
            {
                try
                {
                    pairs = ExtractVideo(video, folder, ct);
                    status = FlowVideoStatus.Extracted;
                    extracted.Add(video);
                    LogExtracted(video, pairs);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    (status, pairs, error) = (FlowVideoStatus.Failed, 0, e.Message);
                    failed[video] = e.Message;
                    LogFailed(e, video);
                }
            }
            progress?.Report(new FlowExtractionProgress(video, status, pairs, Interlocked.Increment(ref completed), videos.Count, error));
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);

        return new FlowExtractionSummary(extracted.ToList(), skipped.ToList(), failed);
    }

    /// <summary>Computes and writes the flow images of one video, then its marker; returns the number of frame pairs.</summary>
    private int ExtractVideo(string videoPath, string folder, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        foreach (var stale in Directory.EnumerateFiles(folder, "flow_?_*.jpg"))
            File.Delete(stale);   // left by an interrupted run

        using var capture = new VideoCapture(videoPath);
        if (!capture.IsOpened())
            throw new InvalidDataException($"OpenCV could not open '{videoPath}' as a video.");
        using var frame = new Mat();
        using var gray = new Mat();
        var batch = new List<byte[]>(Options.BatchSize + 1);
        (int Width, int Height)? size = null;
        int frames = 0, written = 0;
        while (capture.Read(frame) && !frame.Empty())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var bytes = ToGray(frame, gray, out var frameSize);
            if (size is { } expected && expected != frameSize)
                throw new InvalidDataException(
                    $"Frame {frames + 1} of '{videoPath}' is {frameSize.Width}×{frameSize.Height}, expected {expected.Width}×{expected.Height} like the first frame.");
            size = frameSize;
            frames++;
            batch.Add(bytes);
            if (batch.Count == Options.BatchSize + 1)
            {
                written = WriteBatch(batch, frameSize, folder, written);
                batch.RemoveRange(0, batch.Count - 1);   // the last frame starts the next pair
            }
        }
        if (frames < 2)
            throw new InvalidDataException($"'{videoPath}' has {frames} readable frame(s); flow needs at least 2.");
        if (batch.Count >= 2)
            written = WriteBatch(batch, size!.Value, folder, written);

        var marker = JsonSerializer.Serialize(new
        {
            framePairs = written,
            method = _flow.GetType().Name,
            bound = Options.Bound,
            width = size!.Value.Width,
            height = size.Value.Height,
        });
        WriteAtomically(Path.Combine(folder, DoneMarker), System.Text.Encoding.UTF8.GetBytes(marker));
        return written;
    }

    /// <summary>Flow of the consecutive pairs in <paramref name="frames"/>, quantised and written as JPEGs after index <paramref name="written"/>.</summary>
    private int WriteBatch(List<byte[]> frames, (int Width, int Height) size, string folder, int written)
    {
        using var scope = NewDisposeScope();
        int pairs = frames.Count - 1, frameBytes = size.Width * size.Height;
        var all = new byte[frames.Count * frameBytes];
        for (int i = 0; i < frames.Count; i++)
            frames[i].CopyTo(all, i * frameBytes);
        var device = Options.Device ?? CPU;
        var stack = tensor(all, new long[] { frames.Count, size.Height, size.Width }).to(ScalarType.Float32, device);
        var flow = _flow.Compute(stack.narrow(0, 0, pairs), stack.narrow(0, 1, pairs));
        var quantised = FlowQuantization.Quantize(flow, Options.Bound).cpu().contiguous().data<byte>().ToArray();
        var jpegParameters = new[] { (int)ImwriteFlags.JpegQuality, Options.JpegQuality };
        for (int i = 0; i < pairs; i++)
        {
            for (int c = 0; c < 2; c++)
            {
                var plane = new byte[frameBytes];
                Array.Copy(quantised, (2 * i + c) * frameBytes, plane, 0, frameBytes);
                using var image = Mat.FromPixelData(size.Height, size.Width, MatType.CV_8UC1, plane);
                if (!Cv2.ImEncode(".jpg", image, out var jpeg, jpegParameters))
                    throw new InvalidOperationException("OpenCV failed to encode a flow image as JPEG.");
                WriteAtomically(Path.Combine(folder, ImageName(c == 0 ? 'x' : 'y', written + i + 1)), jpeg);
            }
        }
        return written + pairs;
    }

    /// <summary>The frame as 8-bit grayscale bytes, resized to <see cref="FlowExtractionOptions.FrameSize"/> when set.</summary>
    private byte[] ToGray(Mat frame, Mat gray, out (int Width, int Height) size)
    {
        if (frame.Channels() == 1)
            frame.CopyTo(gray);
        else
            Cv2.CvtColor(frame, gray, frame.Channels() == 4 ? ColorConversionCodes.BGRA2GRAY : ColorConversionCodes.BGR2GRAY);
        if (gray.Depth() != MatType.CV_8U)
            throw new InvalidDataException($"Expected 8-bit video frames, found OpenCV depth {gray.Depth()}.");
        if (Options.FrameSize is { } target && (target.Width != gray.Width || target.Height != gray.Height))
            Cv2.Resize(gray, gray, new OpenCvSharp.Size(target.Width, target.Height), 0, 0, InterpolationFlags.Linear);
        size = (gray.Width, gray.Height);
        var bytes = new byte[gray.Width * gray.Height];
        if (gray.IsContinuous())
        {
            System.Runtime.InteropServices.Marshal.Copy(gray.Data, bytes, 0, bytes.Length);
        }
        else
        {
            using var continuous = gray.Clone();
            System.Runtime.InteropServices.Marshal.Copy(continuous.Data, bytes, 0, bytes.Length);
        }
        return bytes;
    }

    private static bool TryReadDone(string folder, out int pairs)
    {
        pairs = 0;
        var marker = Path.Combine(folder, DoneMarker);
        if (!File.Exists(marker))
            return false;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(marker));
            pairs = document.RootElement.GetProperty("framePairs").GetInt32();
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return false;   // a damaged marker: redo the video
        }
    }

    private static void WriteAtomically(string path, byte[] content)
    {
        var temporary = Path.Combine(Path.GetDirectoryName(path)!, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        File.WriteAllBytes(temporary, content);
        File.Move(temporary, path, overwrite: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Flow extracted for {Video}: {FramePairs} frame pairs")]
    private partial void LogExtracted(string video, int framePairs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Flow for {Video} is already complete; skipped")]
    private partial void LogSkipped(string video);

    [LoggerMessage(Level = LogLevel.Error, Message = "Flow extraction failed for {Video}")]
    private partial void LogFailed(Exception exception, string video);
}
