using System.Collections.Concurrent;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Sampling;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using static TorchSharp.torch;

namespace I3D.Net.Data.Loading;

/// <summary>
/// Turns one annotated item into model-ready clips: opens its video (and flow), resamples to the target frame rate,
/// picks the window(s), decodes just those frames and applies the transforms. Every random choice is a function of
/// (seed, epoch, sample index). Thread-safe: each call opens its own readers.
/// </summary>
/// <remarks>
/// <para><b>Alignment of RGB and flow.</b> Windows are chosen on one timeline: <see cref="ClipLoaderOptions.TargetFps"/>,
/// or without it the RGB video's own rate. Each stream maps timeline frame <c>j</c> to its own frames with
/// <see cref="FrameRateResampler"/> at its own rate: the video's rate for RGB, and for flow the rate recorded in the
/// folder's <c>flow.json</c> (<see cref="FlowSettings.Fps"/>). Flow pair <c>i</c> is the flow from frame <c>i</c> to
/// <c>i + 1</c>, so when flow was computed at the video's rate (the <see cref="FlowExtractor"/> default) every clip reads
/// RGB frames and flow pairs with the same indices (<see cref="SampleClips.FrameIndices"/> and
/// <see cref="SampleClips.FlowIndices"/>).</para>
/// <para><b>Flow folders without <c>flow.json</c></b> (made by other tools): the flow is assumed to be at the video's
/// own rate when the video can be opened (always for two-stream items), otherwise at
/// <see cref="VideoReaderOptions.FolderFps"/> (25) with a logged warning;
/// <see cref="ClipLoaderOptions.RequireFlowSettings"/> turns both into an error.</para>
/// </remarks>
public sealed class VideoClipReader
{
    private readonly ClipLoaderOptions _options;
    private readonly ClipTransform _transform;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.Ordinal);
    // Frame rates of videos opened only to learn the rate of their flow (flow-only items without flow.json).
    private readonly ConcurrentDictionary<string, double?> _videoFps = new(StringComparer.Ordinal);

    /// <summary>Creates the reader.</summary>
    /// <param name="options">The loader options.</param>
    /// <param name="logger">Receives the warnings about flow folders without settings; null for none.</param>
    public VideoClipReader(ClipLoaderOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _transform = new ClipTransform(options.Transform);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>The options.</summary>
    public ClipLoaderOptions Options => _options;

    /// <summary>Reads the clips of <paramref name="item"/> for (epoch, sample index). The caller owns the result.</summary>
    /// <exception cref="InvalidDataException">The item cannot be decoded (the message names the path and reason).</exception>
    public SampleClips Read(LabeledVideo item, int epoch, int sampleIndex)
    {
        ArgumentNullException.ThrowIfNull(item);
        var wantRgb = _options.Modality != ClipModality.Flow;
        var wantFlow = _options.Modality != ClipModality.Rgb;
        if (wantFlow && item.FlowPath is null)
            throw new InvalidDataException($"Item '{item.Path}' has no flow folder, but the loader's modality is {_options.Modality}.");
        using var rgbReader = wantRgb ? VideoReader.Open(item.Path, _options.Reader) : null;
        using var flowReader = wantFlow ? new FlowFolderReader(item.FlowPath!, _options.Reader) : null;

        var rgbFps = rgbReader?.Info.Fps ?? 0;
        var flowFps = flowReader is null ? 0 : FlowRate(item, flowReader, rgbReader);
        // One timeline for both streams: the target rate, else the video's own rate (see the remarks).
        var timeline = _options.TargetFps ?? (rgbReader is not null ? Known(rgbFps) : Known(flowFps));
        // Frame counts on the timeline; paired streams use the shorter (flow has one frame fewer, typically).
        var counts = new List<int>();
        if (rgbReader is not null)
            counts.Add(FrameRateResampler.ResampledCount(rgbReader.Info.FrameCount, rgbFps, timeline));
        if (flowReader is not null)
            counts.Add(FrameRateResampler.ResampledCount(flowReader.Info.FrameCount, flowFps, timeline));
        var frames = counts.Min();
        if (item.FrameCount is { } stated && rgbReader is not null && rgbReader.Info.FrameCount < stated)
            throw new InvalidDataException($"'{item.Path}' has {rgbReader.Info.FrameCount} frames, but its annotation states {stated}.");

        var windows = Windows(frames, epoch, sampleIndex);
        var flat = windows.SelectMany(w => w).ToArray();
        Tensor? rgb = null, flow = null;
        using (var scope = NewDisposeScope())
        {
            // Resize, crop and mirror while decoding (8-bit OpenCV) and write scaled float planes [C, T, H, W] directly;
            // only colour jitter, flow-x negation and flow clipping remain for tensors.
            var o = _options.Transform;
            var jitter = o.Brightness > 0 || o.Contrast > 0 || o.Saturation > 0;
            Tensor? readyRgb = null;
            if (rgbReader is not null)
            {
                var geometry = _transform.PlanGeometry(rgbReader.Info.Width, rgbReader.Info.Height, _options.Seed, epoch, sampleIndex);
                var planes = rgbReader.ReadFramesChannelsFirst(Source(flat, rgbReader.Info.FrameCount, rgbFps, timeline), geometry,
                    jitter ? 1.0 : 1 / 127.5, jitter ? 0.0 : -1.0);
                if (jitter)
                    rgb = ToClips(planes, windows.Length);
                else
                    readyRgb = ToClips(planes, windows.Length);
            }
            if (flowReader is not null)
            {
                var geometry = _transform.PlanGeometry(flowReader.Info.Width, flowReader.Info.Height, _options.Seed, epoch, sampleIndex);
                // Quantised v ↦ (v / 255) · 2·bound − bound px, with the bound the folder was written with.
                var bound = flowReader.Settings?.Bound ?? FlowQuantization.DefaultBound;
                flow = ToClips(flowReader.ReadFramesChannelsFirst(Source(flat, flowReader.Info.FrameCount, flowFps, timeline), geometry,
                    2 * bound / 255.0, -bound), windows.Length);
            }
            var (outRgb, outFlow) = _transform.ApplyAfterGeometry(rgb, flow, _options.Seed, epoch, sampleIndex);
            outRgb ??= readyRgb;
            outRgb?.MoveToOuterDisposeScope();
            outFlow?.MoveToOuterDisposeScope();
            var flowWindows = flowReader is null ? null : windows.Select(w => Source(w, flowReader.Info.FrameCount, flowFps, timeline)).ToArray();
            var sourceWindows = rgbReader is not null
                ? windows.Select(w => Source(w, rgbReader.Info.FrameCount, rgbFps, timeline)).ToArray()
                : flowWindows!;
            return new SampleClips(outRgb, outFlow, sourceWindows) { FlowIndices = flowWindows, TimelineFps = timeline ?? 0 };
        }
    }

    /// <summary>The target-rate frame indices of each window.</summary>
    public int[][] Windows(int frameCount, int epoch, int sampleIndex)
    {
        var (t, stride) = (_options.ClipLength, _options.FrameStride);
        switch (_options.Sampling)
        {
            case ClipSamplingMode.Random:
                var random = new CounterRandom(_options.Seed, epoch, sampleIndex, RandomStream.Window);
                return [ClipSampler.RandomWindow(frameCount, t, stride, ref random)];
            case ClipSamplingMode.Center:
                return [ClipSampler.CenterWindow(frameCount, t, stride)];
            default:
                return ClipSampler.EvenlySpacedWindows(frameCount, t, stride, _options.ClipsPerSample);
        }
    }

    private static int[] Source(int[] timelineIndices, int frameCount, double fps, double? timeline) =>
        FrameRateResampler.SourceIndices(timelineIndices, frameCount, fps, timeline);

    private static double? Known(double fps) => fps > 0 ? fps : null;

    /// <summary>The rate of the flow pairs: from <c>flow.json</c>, else assumed (see the class remarks).</summary>
    private double FlowRate(LabeledVideo item, FlowFolderReader flow, IFrameReader? rgb)
    {
        if (flow.Settings is { Fps: > 0 } settings)
            return settings.Fps;
        if (_options.RequireFlowSettings)
            throw new InvalidDataException(
                $"Flow folder '{flow.Path}' has no {FlowSettings.FileName} (or it states no frame rate), and RequireFlowSettings is on: "
                + "recompute the flow with FlowExtractor (samples/ComputeFlow), which records how it was made.");
        if (rgb is not null && rgb.Info.Fps > 0)
            return rgb.Info.Fps;
        if (_videoFps.GetOrAdd(item.Path, TryVideoFps) is { } videoFps)
            return videoFps;
        if (_warned.TryAdd(flow.Path, true))
            DataLog.FlowRateAssumed(_logger, flow.Path, FlowSettings.FileName, item.Path, flow.Info.Fps);
        return flow.Info.Fps;
    }

    private double? TryVideoFps(string path)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
            return null;
        try
        {
            using var video = VideoReader.Open(path, _options.Reader);
            return Known(video.Info.Fps);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Float planes <c>[C, K·T, H, W]</c> to clips <c>[K, C, T, H, W]</c> (no copy for K = 1).</summary>
    private static Tensor ToClips(Tensor planes, int k)
    {
        var shape = planes.shape;
        return planes.reshape(shape[0], k, shape[1] / k, shape[2], shape[3]).permute(1, 0, 2, 3, 4).contiguous();
    }
}
