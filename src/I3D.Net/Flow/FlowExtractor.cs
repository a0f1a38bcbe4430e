using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using I3D.Net.Data;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Video;
using I3D.Net.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// Precomputes optical flow for a video dataset in the layout two-stream training pipelines (mmaction2, I3D
/// ports) read, mirroring the dataset tree (<see cref="FlowLayout"/>): for <c>train/walk/clip0.mp4</c>, the folder
/// <c>&lt;output&gt;/train/walk/clip0/</c> holds <c>flow_x_00001.jpg</c>, <c>flow_y_00001.jpg</c>, … — one x/y pair of
/// 8-bit grayscale JPEGs per consecutive frame pair, numbered from 1, quantised with <see cref="FlowQuantization"/> —
/// then <see cref="FlowSettings.FileName"/> (how the flow was made, with the video's frame rate) and, written last
/// and atomically, a <c>.done</c> marker.
/// </summary>
/// <remarks>
/// Videos are read through <see cref="VideoReader"/> (OpenCV, with the FFmpeg fallback for AV1), optionally resampled
/// to <see cref="FlowExtractionOptions.TargetFps"/>, and converted to grayscale by <see cref="FlowPreprocessing"/>.
/// A video whose folder has the marker and the same settings is skipped, so an interrupted run resumes where it
/// stopped; a folder without it (or made with other settings) is recomputed. Nothing is written or deleted outside
/// the output folder: a video whose name gives no folder name (e.g. <c>...avi</c>) fails with a clear error. Videos
/// are processed in parallel (<see cref="FlowExtractionOptions.MaxDegreeOfParallelism"/>), each on one thread.
/// <para>
/// Every file is written through a temporary file and a rename, and the marker last, so a process killed at any moment
/// leaves no folder a rerun accepts as complete: the rerun deletes the folder's marker, images and leftover temporary
/// files, and redoes it. A rerun of a finished dataset (or shard) only reads markers and writes nothing. With
/// <see cref="FlowExtractionOptions.Shard"/>, N processes extract disjoint parts of one dataset into the same output
/// tree (docs/scale.md).
/// </para>
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

    /// <summary>The flow settings this extractor records (per video, the frame rates and pair count are filled in).</summary>
    public FlowSettings Settings => FlowSettings.Describe(_flow, Options, fps: Options.TargetFps ?? 0);

    /// <summary>File name of the x (<paramref name="component"/> 'x') or y flow image of 1-based pair <paramref name="index"/>.</summary>
    public static string ImageName(char component, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"flow_{component}_{index:D5}.jpg");

    /// <summary>
    /// Extracts flow for every video file under <paramref name="videoRoot"/> (searched recursively for
    /// <see cref="FolderPerClassAnnotations.DefaultExtensions"/>), mirroring the tree into <paramref name="outputDirectory"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="videoRoot"/> does not exist.</exception>
    /// <exception cref="ArgumentException">Two videos would share an output folder (e.g. <c>a.mp4</c> and <c>a.avi</c>); a video whose name gives no folder (e.g. <c>...avi</c>) fails alone, reported as <see cref="FlowVideoStatus.Failed"/>.</exception>
    public Task<FlowExtractionSummary> ExtractDatasetAsync(string videoRoot, string outputDirectory,
        IProgress<FlowExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        var root = Path.GetFullPath(videoRoot);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Video root '{root}' does not exist.");
        var extensions = new HashSet<string>(FolderPerClassAnnotations.DefaultExtensions, StringComparer.OrdinalIgnoreCase);
        var output = Path.GetFullPath(outputDirectory);
        var videos = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => extensions.Contains(Path.GetExtension(f)))
            .Where(f => !IsInside(output, f))   // an output folder inside the dataset holds no videos to extract
            .Order(StringComparer.Ordinal)
            .ToList();
        return ExtractCoreAsync(videos, root, outputDirectory, progress, cancellationToken);
    }

    /// <summary>
    /// Extracts flow for every video that is not complete yet. The output mirrors the videos' tree below their deepest
    /// common folder (one video, or videos in one folder: <c>&lt;output&gt;/&lt;name without extension&gt;/</c>).
    /// </summary>
    /// <param name="videoPaths">Video files.</param>
    /// <param name="outputDirectory">Root of the output layout (created if missing).</param>
    /// <param name="progress">Receives one report per finished video, with the time left.</param>
    /// <param name="cancellationToken">Stops the run; unfinished videos keep no marker and are redone next time.</param>
    /// <returns>Which videos were extracted, skipped and failed.</returns>
    /// <exception cref="FileNotFoundException">A video file does not exist.</exception>
    /// <exception cref="ArgumentException">Two videos would share an output folder; a video whose name gives no folder (e.g. <c>...avi</c>) fails alone, reported as <see cref="FlowVideoStatus.Failed"/>.</exception>
    public Task<FlowExtractionSummary> ExtractAsync(
        IEnumerable<string> videoPaths, string outputDirectory,
        IProgress<FlowExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(videoPaths);
        var videos = videoPaths.Select(Path.GetFullPath).ToList();
        return ExtractCoreAsync(videos, CommonFolder(videos), outputDirectory, progress, cancellationToken);
    }

    /// <summary>The folder that receives a video's flow images when the dataset's root is <paramref name="videoRoot"/> (see <see cref="FlowLayout"/>).</summary>
    public static string VideoFolder(string outputDirectory, string videoRoot, string videoPath) =>
        FlowLayout.FolderFor(outputDirectory, videoRoot, videoPath);

    private async Task<FlowExtractionSummary> ExtractCoreAsync(List<string> videos, string videoRoot, string outputDirectory,
        IProgress<FlowExtractionProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var output = Path.GetFullPath(outputDirectory);
        foreach (var video in videos)
        {
            if (!File.Exists(video))
                throw new FileNotFoundException($"Video '{video}' does not exist.", video);
        }
        // A video whose name gives no folder (e.g. "...avi") fails alone; it never decides where anything is written.
        var folders = new Dictionary<string, string>(StringComparer.Ordinal);
        var unusable = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var video in videos)
        {
            try
            {
                folders[video] = FlowLayout.FolderFor(output, videoRoot, video);
            }
            catch (ArgumentException e)
            {
                unusable[video] = e.Message;
            }
        }
        var clash = folders.GroupBy(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException(
                $"Videos '{string.Join("', '", clash)}' would share the flow folder '{clash.Key}'; rename one of them.", nameof(videos));
        // Sharding after the clash check, so every shard refuses a clashing dataset alike, whichever shard holds the pair.
        var otherShards = 0;
        if (!Options.Shard.IsWhole)
        {
            var all = videos.Count;
            videos = videos.Where(v => Options.Shard.Contains(Path.GetRelativePath(videoRoot, v))).ToList();
            otherShards = all - videos.Count;
        }
        Directory.CreateDirectory(output);

        var extracted = new ConcurrentBag<string>();
        var skipped = new ConcurrentBag<string>();
        var failed = new ConcurrentDictionary<string, string>();
        int completed = 0, free = 0;
        var clock = Stopwatch.StartNew();
        var wanted = Settings;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(videos, parallel, (video, ct) =>
        {
            // Synchronous body: the video stays on one thread (TorchSharp dispose scopes are per thread).
            var folder = folders.GetValueOrDefault(video);
            FlowVideoStatus status;
            int pairs = 0;
            string? error = null;
            if (folder is null)
            {
                (status, error) = (FlowVideoStatus.Failed, unusable[video]);
                failed[video] = error;
                LogUnusableName(video, error);
            }
            else if (TryReadDone(folder, wanted, out pairs))
            {
                status = FlowVideoStatus.Skipped;
                skipped.Add(video);
                Interlocked.Increment(ref free);
                LogSkipped(video);
            }
            else
            {
                try
                {
                    pairs = ExtractVideo(video, folder, output, ct);
                    status = FlowVideoStatus.Extracted;
                    extracted.Add(video);
                    LogExtracted(video, pairs, folder);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    (status, pairs, error) = (FlowVideoStatus.Failed, 0, e.Message);
                    failed[video] = e.Message;
                    LogFailed(e, video);
                }
            }
            var done = Interlocked.Increment(ref completed);
            progress?.Report(new FlowExtractionProgress(video, status, pairs, done, videos.Count, error)
            {
                Folder = folder,
                Timing = ProgressTiming.Measure(done, videos.Count, clock.Elapsed, Volatile.Read(ref free)),
            });
            return ValueTask.CompletedTask;
        }).ConfigureAwait(false);

        return new FlowExtractionSummary(extracted.ToList(), skipped.ToList(), failed) { InOtherShards = otherShards };
    }

    /// <summary>Computes and writes the flow images of one video, its settings, then its marker; returns the number of frame pairs.</summary>
    private int ExtractVideo(string videoPath, string folder, string output, CancellationToken cancellationToken)
    {
        EnsureNoLinks(output, folder);
        Directory.CreateDirectory(folder);
        // Not complete any more: the marker goes first, then whatever an earlier (interrupted or other-settings) run left.
        File.Delete(Path.Combine(folder, DoneMarker));
        File.Delete(Path.Combine(folder, FlowSettings.FileName));
        foreach (var stale in Directory.EnumerateFiles(folder, "flow_?_*.jpg"))
            File.Delete(stale);
        // Temporary files of writes a killed run never renamed (AtomicFile names them ".<name>.<guid>.tmp").
        foreach (var stale in Directory.EnumerateFiles(folder, AtomicFile.TemporaryPattern))
            File.Delete(stale);

        using var reader = VideoReader.Open(videoPath, Options.Reader);
        var info = reader.Info;
        var count = FrameRateResampler.ResampledCount(info.FrameCount, info.Fps, Options.TargetFps);
        if (count < 2)
            throw new InvalidDataException($"'{videoPath}' has {count} frame(s) at {Options.TargetFps ?? info.Fps:G4} fps; flow needs at least 2.");
        var source = Enumerable.Range(0, count).Select(j => FrameRateResampler.SourceIndex(j, info.FrameCount, info.Fps, Options.TargetFps)).ToArray();
        var settings = FlowSettings.Describe(_flow, Options, info.Fps, Options.TargetFps ?? info.Fps);

        using var scope = NewDisposeScope();
        var previous = FlowPreprocessing.Grayscale(reader.ReadFrames([source[0]]), settings);   // [1, H, W]
        int written = 0;
        for (var start = 0; start < count - 1; start += Options.BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var batchScope = NewDisposeScope();
            var end = Math.Min(start + Options.BatchSize, count - 1);   // target frames start+1 … end join the carried one
            // Source indices never decrease; those equal to the carried frame's are that frame again (no backward seek).
            var repeats = Enumerable.Range(start + 1, end - start).TakeWhile(j => source[j] == source[start]).Count();
            var fresh = source[(start + 1 + repeats)..(end + 1)];
            var frames = new List<Tensor> { previous };
            frames.AddRange(Enumerable.Repeat(previous, repeats));
            if (fresh.Length > 0)
            {
                var next = FlowPreprocessing.Grayscale(reader.ReadFrames(fresh), settings);
                if (next.shape[1] != previous.shape[1] || next.shape[2] != previous.shape[2])
                    throw new InvalidDataException(
                        $"Frames of '{videoPath}' change size ({previous.shape[2]}×{previous.shape[1]} → {next.shape[2]}×{next.shape[1]} at frame {fresh[0]}).");
                frames.Add(next);
            }
            var gray = cat(frames, 0);
            written = WriteBatch(gray, folder, written);
            var last = gray.narrow(0, gray.shape[0] - 1, 1).clone();
            previous.Dispose();
            previous = last.MoveToOuterDisposeScope();
        }

        settings = settings with { FramePairs = written };
        settings.Save(folder);
        var marker = JsonSerializer.Serialize(new { framePairs = written });
        WriteAtomically(Path.Combine(folder, DoneMarker), System.Text.Encoding.UTF8.GetBytes(marker));
        return written;
    }

    /// <summary>Flow of the consecutive pairs in <paramref name="gray"/> <c>[N + 1, H, W]</c>, quantised and written as JPEGs after index <paramref name="written"/>.</summary>
    private int WriteBatch(Tensor gray, string folder, int written)
    {
        using var scope = NewDisposeScope();
        int pairs = (int)gray.shape[0] - 1, height = (int)gray.shape[1], width = (int)gray.shape[2], frameBytes = height * width;
        var stack = gray.to(Options.Device ?? CPU);
        var flow = _flow.Compute(stack.narrow(0, 0, pairs), stack.narrow(0, 1, pairs));
        var quantised = FlowQuantization.Quantize(flow, Options.Bound).cpu().contiguous().data<byte>().ToArray();
        var plane = new byte[frameBytes];
        for (int i = 0; i < pairs; i++)
        {
            for (int c = 0; c < 2; c++)
            {
                Array.Copy(quantised, (2 * i + c) * frameBytes, plane, 0, frameBytes);
                WriteAtomically(Path.Combine(folder, ImageName(c == 0 ? 'x' : 'y', written + i + 1)),
                    FlowPreprocessing.EncodeJpeg(plane, height, width, Options.JpegQuality));
            }
        }
        return written + pairs;
    }

    /// <summary>Whether the folder is complete and was made with the same preprocessing as this run would use.</summary>
    private bool TryReadDone(string folder, FlowSettings wanted, out int pairs)
    {
        var (state, detail, found) = Inspect(folder);
        pairs = found;
        if (state != OutputState.Complete)
        {
            if (state == OutputState.Partial && File.Exists(Path.Combine(folder, DoneMarker)))
                LogMarkedButIncomplete(folder, detail!);
            return false;
        }
        try
        {
            var existing = FlowSettings.TryLoad(folder);
            // Without TargetFps the rate is each video's own, so only the method and storage must match.
            var comparable = Options.TargetFps is null ? existing?.SamePreprocessing(wanted with { Fps = existing.Fps }) : existing?.SamePreprocessing(wanted);
            if (comparable != true)
            {
                LogSettingsChanged(folder);
                return false;
            }
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or InvalidDataException)
        {
            return false;   // a damaged marker or settings file: redo the video
        }
    }

    /// <summary>
    /// Whether a flow folder is complete: its marker (with the pair count) and <see cref="FlowSettings.FileName"/> exist,
    /// it holds that many x and y images, and no temporary file of a killed write; else partial (with why) or missing.
    /// </summary>
    internal static (OutputState State, string? Detail, int Pairs) Inspect(string folder)
    {
        if (!Directory.Exists(folder))
            return (OutputState.Missing, null, 0);
        var names = Directory.EnumerateFiles(folder).Select(Path.GetFileName).OfType<string>().ToList();
        int x = names.Count(n => n.StartsWith("flow_x_", StringComparison.Ordinal) && n.EndsWith(".jpg", StringComparison.Ordinal));
        int y = names.Count(n => n.StartsWith("flow_y_", StringComparison.Ordinal) && n.EndsWith(".jpg", StringComparison.Ordinal));
        var temporary = names.Count(AtomicFile.IsTemporary);
        if (!names.Contains(DoneMarker))
            return (OutputState.Partial, $"no {DoneMarker} marker ({x} x and {y} y images, {temporary} temporary files)", 0);
        int pairs;
        try
        {
            using var marker = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, DoneMarker)));
            pairs = marker.RootElement.GetProperty("framePairs").GetInt32();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return (OutputState.Partial, $"the {DoneMarker} marker is damaged", 0);
        }
        if (!names.Contains(FlowSettings.FileName))
            return (OutputState.Partial, $"no {FlowSettings.FileName}", pairs);
        if (x != pairs || y != pairs)
            return (OutputState.Partial, $"the marker says {pairs} frame pairs; the folder holds {x} x and {y} y images", pairs);
        if (temporary > 0)
            return (OutputState.Partial, $"{temporary} temporary files left by a killed run", pairs);
        return (OutputState.Complete, null, pairs);
    }

    /// <summary>Refuses a flow folder reached through a symbolic link below the output folder (it could point anywhere).</summary>
    private static void EnsureNoLinks(string output, string folder)
    {
        for (var dir = new DirectoryInfo(folder); dir is not null && dir.FullName.Length > output.TrimEnd(Path.DirectorySeparatorChar).Length; dir = dir.Parent)
        {
            if (dir.Exists && dir.LinkTarget is not null)
                throw new IOException($"'{dir.FullName}' is a symbolic link to '{dir.LinkTarget}'; flow is only written into real folders under '{output}'.");
        }
    }

    private static bool IsInside(string folder, string path)
    {
        var prefix = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        return Path.GetFullPath(path).StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>The deepest folder that contains every video.</summary>
    private static string CommonFolder(List<string> videos)
    {
        if (videos.Count == 0)
            return Directory.GetCurrentDirectory();
        var common = Path.GetDirectoryName(videos[0])!;
        foreach (var video in videos.Skip(1))
        {
            while (!IsInside(common, video))
                common = Path.GetDirectoryName(common) ?? throw new ArgumentException($"Videos '{videos[0]}' and '{video}' share no folder.");
        }
        return common;
    }

    // Frames are many and the done marker is written last, so they skip the fsync that single-file writes get.
    private static void WriteAtomically(string path, byte[] content) =>
        AtomicFile.Write(path, stream => stream.Write(content), flushToDisk: false);

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Flow extracted for {Video}: {FramePairs} frame pairs in {Folder}")]
    private partial void LogExtracted(string video, int framePairs, string folder);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Debug, Message = "Flow for {Video} is already complete; skipped")]
    private partial void LogSkipped(string video);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Information, Message = "Flow in {Folder} was made with other settings (or has no flow.json); recomputing it")]
    private partial void LogSettingsChanged(string folder);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Warning, Message = "Flow in {Folder} has its marker but is incomplete ({Reason}); recomputing it")]
    private partial void LogMarkedButIncomplete(string folder, string reason);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Error, Message = "Flow extraction failed for {Video}: {Reason}")]
    private partial void LogUnusableName(string video, string reason);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Error, Message = "Flow extraction failed for {Video}")]
    private partial void LogFailed(Exception exception, string video);
}
