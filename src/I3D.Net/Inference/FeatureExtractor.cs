using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using I3D.Net.Data;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Sampling;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.IO;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Weights.SafeTensors;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

/// <summary>
/// Computes I3D features for a video dataset, one file per video mirroring the dataset tree: for
/// <c>train/walk/clip0.mp4</c>, <c>&lt;output&gt;/train/walk/clip0.npy</c> (or <c>.safetensors</c>), holding float32
/// features <c>[W, …]</c>, one row per clip (<see cref="FeatureExtractionOptions"/>: endpoint, pooling, one clip per
/// video or sliding windows).
/// </summary>
/// <remarks>
/// <para>
/// The model is one stream: an RGB <see cref="InceptionI3D"/> reads the videos; a flow one (2 input channels, e.g.
/// <see cref="TwoStreamI3D.Flow"/>) reads flow folders under <see cref="FeatureExtractionOptions.FlowRoot"/>, or
/// computes each video's flow on the fly (into a temporary folder, at the video's own rate) with the given
/// <see cref="IOpticalFlow"/>. For two-stream features run one extractor per stream into two output folders.
/// </para>
/// <para>
/// Each file is written to a temporary sibling and renamed into place; the renamed file is the completion marker. A
/// video whose file exists is skipped, so an interrupted run resumes where it stopped, and a finished run (or shard)
/// rerun writes nothing; a killed run leaves only temporary files (<c>.&lt;name&gt;.&lt;id&gt;.tmp</c>), which the rerun of
/// that video deletes. The settings are recorded once in <see cref="SettingsFileName"/> at the output root, and a run
/// with other settings into the same folder is refused (a mix of features would look complete).
/// With <see cref="FeatureExtractionOptions.Shard"/>, N processes extract disjoint parts of one dataset into the same
/// output tree (docs/scale.md).
/// </para>
/// </remarks>
public sealed partial class FeatureExtractor
{
    /// <summary>The file at the output root that records the settings every file in the tree was made with.</summary>
    public const string SettingsFileName = "features.json";

    private readonly InceptionI3D _model;
    private readonly IOpticalFlow _flow;
    private readonly ClipTransform _transform;
    private readonly Device _device;
    private readonly ILogger _logger;

    /// <summary>Creates an extractor; moves <paramref name="model"/> to <see cref="FeatureExtractionOptions.Device"/> and sets it to eval mode.</summary>
    /// <param name="model">One I3D stream (RGB: 3 input channels; flow: 2), built at least up to <see cref="FeatureExtractionOptions.Endpoint"/>.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <param name="flow">For a flow model without <see cref="FeatureExtractionOptions.FlowRoot"/>: how flow is computed (TV-L1 with its defaults when null).</param>
    /// <param name="logger">Optional logger.</param>
    /// <exception cref="ArgumentException">An option is out of range, or the model does not reach the endpoint.</exception>
    public FeatureExtractor(InceptionI3D model, FeatureExtractionOptions? options = null, IOpticalFlow? flow = null, ILogger<FeatureExtractor>? logger = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Options = options ?? new FeatureExtractionOptions();
        Options.Validate();
        if (model.FinalEndpoint < Options.Endpoint)
            throw new ArgumentException(
                $"Features at {Options.Endpoint} need a model built up to it; this one ends at {model.FinalEndpoint} (InceptionI3DOptions.FinalEndpoint).", nameof(model));
        if (model.InChannels is not (2 or 3))
            throw new ArgumentException($"The model must read RGB (3 channels) or flow (2 channels); it reads {model.InChannels}.", nameof(model));
        _flow = flow ?? new TvL1OpticalFlow();
        _transform = new ClipTransform(Options.Transform);
        _device = I3DRuntime.ResolveDevice(Options.Device);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _model.to(_device);
        _model.eval();
    }

    /// <summary>The settings in use.</summary>
    public FeatureExtractionOptions Options { get; }

    /// <summary>Whether the model reads flow (2 input channels) rather than RGB.</summary>
    public bool ReadsFlow => _model.InChannels == 2;

    /// <summary>The file extension of the output files, <c>.npy</c> or <c>.safetensors</c>.</summary>
    public string Extension => ExtensionOf(Options.Format);

    /// <summary>The file extension of <paramref name="format"/>: <c>.npy</c> or <c>.safetensors</c>.</summary>
    public static string ExtensionOf(FeatureFileFormat format) => format == FeatureFileFormat.Npy ? ".npy" : ".safetensors";

    /// <summary>The features file of <paramref name="videoPath"/> under <paramref name="outputDirectory"/>, mirroring its place under <paramref name="videoRoot"/>.</summary>
    /// <exception cref="ArgumentException">As <see cref="FlowLayout.FolderFor"/>: the video is outside the root or its name gives no file name.</exception>
    public string OutputPathFor(string outputDirectory, string videoRoot, string videoPath) =>
        FlowLayout.FolderFor(outputDirectory, videoRoot, videoPath) + Extension;

    /// <summary>
    /// Extracts features for every video under <paramref name="videoRoot"/> (searched recursively for
    /// <see cref="FolderPerClassAnnotations.DefaultExtensions"/>) that belongs to <see cref="FeatureExtractionOptions.Shard"/>
    /// and has no file yet, mirroring the tree into <paramref name="outputDirectory"/>.
    /// </summary>
    /// <param name="videoRoot">The dataset's root folder.</param>
    /// <param name="outputDirectory">Root of the output tree (created if missing).</param>
    /// <param name="progress">Receives one report per finished video of this shard.</param>
    /// <param name="cancellationToken">Stops the run between clips; the unfinished video has no file and is redone next time.</param>
    /// <returns>Which videos were extracted, skipped and failed, and how many belong to other shards.</returns>
    /// <exception cref="DirectoryNotFoundException"><paramref name="videoRoot"/> does not exist.</exception>
    /// <exception cref="ArgumentException">Two videos would share an output file (e.g. <c>a.mp4</c> and <c>a.avi</c>).</exception>
    /// <exception cref="InvalidOperationException">The output folder holds features made with other settings (<see cref="SettingsFileName"/>).</exception>
    public async Task<FeatureExtractionSummary> ExtractDatasetAsync(string videoRoot, string outputDirectory,
        IProgress<FeatureExtractionProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var root = Path.GetFullPath(videoRoot);
        if (!Directory.Exists(root))
            throw new DirectoryNotFoundException($"Video root '{root}' does not exist.");
        var output = Path.GetFullPath(outputDirectory);
        var videos = DatasetVideos.Find(root, output);   // an output folder inside the dataset holds no videos

        var files = new Dictionary<string, string>(StringComparer.Ordinal);
        var unusable = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var video in videos)
        {
            try
            {
                files[video] = OutputPathFor(output, root, video);
            }
            catch (ArgumentException e)
            {
                unusable[video] = e.Message;
            }
        }
        var clash = files.GroupBy(kv => kv.Value, kv => kv.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new ArgumentException($"Videos '{string.Join("', '", clash)}' would share the features file '{clash.Key}'; rename one of them.", nameof(videoRoot));
        var mine = videos.Where(v => Options.Shard.Contains(Path.GetRelativePath(root, v))).ToList();
        EnsureSettings(output);

        var extracted = new List<string>();
        var skipped = new List<string>();
        var failed = new ConcurrentDictionary<string, string>();
        int completed = 0, free = 0;
        var clock = Stopwatch.StartNew();
        foreach (var video in mine)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var file = files.GetValueOrDefault(video);
            FeatureVideoStatus status;
            int windows = 0;
            string? error = null;
            if (file is null)
            {
                (status, error) = (FeatureVideoStatus.Failed, unusable[video]);
                failed[video] = error;
                LogFailedName(video, error);
            }
            else if (File.Exists(file))
            {
                status = FeatureVideoStatus.Skipped;
                skipped.Add(video);
                free++;
                LogSkipped(video);
            }
            else
            {
                try
                {
                    // Synchronous on this thread: TorchSharp dispose scopes are per thread.
                    windows = await Task.Run(() => ExtractToFile(video, root, file, cancellationToken), cancellationToken).ConfigureAwait(false);
                    status = FeatureVideoStatus.Extracted;
                    extracted.Add(video);
                    LogExtracted(video, windows, file);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    (status, error) = (FeatureVideoStatus.Failed, e.Message);
                    failed[video] = e.Message;
                    LogFailed(e, video);
                }
            }
            completed++;
            progress?.Report(new FeatureExtractionProgress(video, status, windows, completed, mine.Count, error)
            {
                OutputPath = file,
                Timing = ProgressTiming.Measure(completed, mine.Count, clock.Elapsed, free),
            });
        }
        return new FeatureExtractionSummary(extracted, skipped, failed) { InOtherShards = videos.Count - mine.Count };
    }

    /// <summary>Computes the features of one video (its flow too, for a flow model without <see cref="FeatureExtractionOptions.FlowRoot"/>).</summary>
    /// <param name="videoPath">The video file.</param>
    /// <param name="videoRoot">For a flow model with <see cref="FeatureExtractionOptions.FlowRoot"/>: the dataset root the flow tree mirrors (null: the video's folder).</param>
    /// <param name="cancellationToken">Stops between batches of clips.</param>
    /// <exception cref="FileNotFoundException">The video, or its flow folder, does not exist.</exception>
    /// <exception cref="InvalidDataException">The video cannot be decoded.</exception>
    public VideoFeatures Extract(string videoPath, string? videoRoot = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoPath);
        if (!File.Exists(videoPath))
            throw new FileNotFoundException($"Video '{videoPath}' does not exist.", videoPath);
        if (!ReadsFlow)
        {
            using var reader = VideoReader.Open(videoPath, Options.Reader);
            return ExtractFrom(reader, videoPath, flow: false, cancellationToken);
        }
        if (Options.FlowRoot is { } flowRoot)
        {
            var folder = FlowLayout.FolderFor(flowRoot, videoRoot ?? Path.GetDirectoryName(Path.GetFullPath(videoPath))!, videoPath);
            if (!File.Exists(Path.Combine(folder, FlowExtractor.DoneMarker)))
                throw new FileNotFoundException($"The flow of '{videoPath}' is not complete: '{folder}' has no {FlowExtractor.DoneMarker} marker (run the flow extraction first).", folder);
            using var reader = VideoReader.OpenFlow(folder, Options.Reader);
            return ExtractFrom(reader, videoPath, flow: true, cancellationToken);
        }
        var temporary = Directory.CreateTempSubdirectory("i3d-features-").FullName;
        try
        {
            var flowOptions = new FlowExtractionOptions { Reader = Options.Reader, Device = _device };
            var summary = new FlowExtractor(_flow, flowOptions).ExtractAsync([videoPath], temporary, cancellationToken: cancellationToken).GetAwaiter().GetResult();
            if (summary.Failed.Count > 0)
                throw new InvalidDataException($"Flow of '{videoPath}' could not be computed: {summary.Failed.Values.First()}");
            using var reader = VideoReader.OpenFlow(FlowLayout.FolderFor(temporary, Path.GetDirectoryName(Path.GetFullPath(videoPath))!, videoPath), Options.Reader);
            return ExtractFrom(reader, videoPath, flow: true, cancellationToken);
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    private VideoFeatures ExtractFrom(IFrameReader reader, string videoPath, bool flow, CancellationToken cancellationToken)
    {
        var info = reader.Info;
        var fps = Options.FramesPerSecond;
        var n = FrameRateResampler.ResampledCount(info.FrameCount, info.Fps, fps);
        if (n < 1)
            throw new InvalidDataException($"'{videoPath}' has no frames at {fps?.ToString(CultureInfo.InvariantCulture) ?? "its own rate"}.");
        var t = Options.Frames;
        var windows = Options.Windowing == FeatureWindowing.PerVideo || n <= t
            ? [ClipSampler.CenterWindow(n, t, 1)]
            : Enumerable.Range(0, (n - t) / Options.Stride + 1).Select(w => ClipSampler.Window(w * Options.Stride, n, t, 1)).ToArray();
        var rows = new List<Tensor>();
        try
        {
            for (var w0 = 0; w0 < windows.Length; w0 += Options.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var chunk = windows.Skip(w0).Take(Options.BatchSize).ToArray();
                var source = FrameRateResampler.SourceIndices(chunk.SelectMany(x => x).ToArray(), info.FrameCount, info.Fps, fps);
                var raw = reader.ReadFrames(source);                                                  // [K·T, H, W, C] uint8
                var values = flow ? FlowQuantization.Dequantize(raw) : raw.to_type(ScalarType.Float32);
                var clips = values.reshape(chunk.Length, t, values.shape[1], values.shape[2], values.shape[3]).permute(0, 4, 1, 2, 3).contiguous();
                var (rgb, flowClips) = flow ? _transform.Apply(null, clips, 0, 0, 0) : _transform.Apply(clips, null, 0, 0, 0);
                using (no_grad())
                    rows.Add(Forward((flow ? flowClips : rgb)!.to(_device)).to(ScalarType.Float32).cpu().MoveToOuterDisposeScope());
            }
            var starts = windows.Select(x => (long)FrameRateResampler.SourceIndex(x[0], info.FrameCount, info.Fps, fps)).ToArray();
            return new VideoFeatures(cat(rows, 0), starts);
        }
        finally
        {
            foreach (var row in rows)
                row.Dispose();
        }
    }

    /// <summary>The saved output of clips <c>[B, C, T, H, W]</c>: <c>[B, …]</c>.</summary>
    private Tensor Forward(Tensor clips)
    {
        using var scope = NewDisposeScope();
        var result = (Options.Endpoint, Options.Pooling) switch
        {
            (I3DEndpoint.Mixed_5c, FeaturePooling.Average) => _model.ExtractFeatures(clips),
            (I3DEndpoint.Logits, FeaturePooling.Average) => _model.forward(clips),
            (I3DEndpoint.Logits, FeaturePooling.None) => _model.ForwardPerTime(clips),
            (var endpoint, FeaturePooling.Average) => _model.ForwardTo(clips, endpoint).mean([2, 3, 4]),
            (var endpoint, _) => _model.ForwardTo(clips, endpoint),
        };
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Extracts one video and writes its file atomically; returns the number of clips.</summary>
    private int ExtractToFile(string video, string root, string file, CancellationToken cancellationToken)
    {
        using var features = Extract(video, root, cancellationToken);
        var folder = Path.GetDirectoryName(file)!;
        Directory.CreateDirectory(folder);
        // Temporary files of this video that a killed run never renamed (AtomicFile names them ".<name>.<id>.tmp").
        foreach (var stale in Directory.EnumerateFiles(folder, $".{Path.GetFileName(file)}.*.tmp"))
            File.Delete(stale);
        if (Options.Format == FeatureFileFormat.Npy)
        {
            NpyFile.Save(file, features.Features);
        }
        else
        {
            using var starts = tensor(features.WindowStarts.ToArray());
            SafeTensorsFile.Save(file, new Dictionary<string, Tensor> { ["features"] = features.Features, ["window_starts"] = starts },
                new Dictionary<string, string>(Describe()) { ["video"] = Path.GetRelativePath(root, video).Replace('\\', '/') });
        }
        return (int)features.Features.shape[0];
    }

    /// <summary>What the files of one output tree share: recorded in <see cref="SettingsFileName"/> and in safetensors metadata.</summary>
    private SortedDictionary<string, string> Describe()
    {
        static string Format(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "none";
        var transform = Options.Transform;
        return new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["stream"] = ReadsFlow ? "flow" : "rgb",
            ["endpoint"] = Options.Endpoint.ToString(),
            ["pooling"] = Options.Pooling.ToString(),
            ["windowing"] = Options.Windowing.ToString(),
            ["frames_per_window"] = Format(Options.Frames),
            ["stride"] = Options.Windowing == FeatureWindowing.PerWindow ? Format(Options.Stride) : "none",
            ["fps"] = Options.FramesPerSecond is { } f ? Format(f) : "source",
            ["short_side"] = Format(transform.ShortSide),
            ["crop"] = Format(transform.CropSize),
            ["flow_bound"] = ReadsFlow ? Format(transform.FlowBound) : "none",
            ["format"] = Options.Format.ToString(),
        };
    }

    /// <summary>Records the settings at the output root, or refuses when the folder has features made otherwise; writes nothing when they match.</summary>
    private void EnsureSettings(string output)
    {
        var path = Path.Combine(output, SettingsFileName);
        var wanted = Describe();
        if (File.Exists(path))
        {
            Dictionary<string, string>? existing;
            try
            {
                existing = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path));
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"'{path}' is not a features settings file: {e.Message}", e);
            }
            var differences = wanted.Where(kv => existing?.GetValueOrDefault(kv.Key) != kv.Value)
                .Select(kv => $"{kv.Key} {existing?.GetValueOrDefault(kv.Key) ?? "missing"} → {kv.Value}").ToList();
            if (differences.Count > 0)
                throw new InvalidOperationException(
                    $"'{output}' holds features made with other settings ({string.Join(", ", differences)}; see {SettingsFileName}). " +
                    "Write to another folder, or delete that one to start over.");
            return;
        }
        Directory.CreateDirectory(output);
        // Shards starting together may all write it: the same bytes, each through its own temporary file.
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(wanted, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    [LoggerMessage(EventId = 8101, Level = LogLevel.Information, Message = "Features extracted for {Video}: {Windows} clip(s) in {File}")]
    private partial void LogExtracted(string video, int windows, string file);

    [LoggerMessage(EventId = 8102, Level = LogLevel.Debug, Message = "Features of {Video} exist already; skipped")]
    private partial void LogSkipped(string video);

    [LoggerMessage(EventId = 8103, Level = LogLevel.Error, Message = "Feature extraction failed for {Video}: {Reason}")]
    private partial void LogFailedName(string video, string reason);

    [LoggerMessage(EventId = 8104, Level = LogLevel.Error, Message = "Feature extraction failed for {Video}")]
    private partial void LogFailed(Exception exception, string video);
}
