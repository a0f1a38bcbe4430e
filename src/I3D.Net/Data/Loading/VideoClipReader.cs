using I3D.Net.Data.Annotations;
using I3D.Net.Data.Sampling;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using static TorchSharp.torch;

namespace I3D.Net.Data.Loading;

/// <summary>
/// Turns one annotated item into model-ready clips: opens its video (and flow), resamples to the target frame rate,
/// picks the window(s), decodes just those frames and applies the transforms. Every random choice is a function of
/// (seed, epoch, sample index). Thread-safe: each call opens its own readers.
/// </summary>
public sealed class VideoClipReader
{
    private readonly ClipLoaderOptions _options;
    private readonly ClipTransform _transform;

    /// <summary>Creates the reader.</summary>
    public VideoClipReader(ClipLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _transform = new ClipTransform(options.Transform);
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

        // Frame counts at the target rate; paired streams use the shorter (flow has one frame fewer, typically).
        var counts = new List<int>();
        if (rgbReader is not null)
            counts.Add(FrameRateResampler.ResampledCount(rgbReader.Info.FrameCount, rgbReader.Info.Fps, _options.TargetFps));
        if (flowReader is not null)
            counts.Add(FrameRateResampler.ResampledCount(flowReader.Info.FrameCount, flowReader.Info.Fps, _options.TargetFps));
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
                var planes = rgbReader.ReadFramesChannelsFirst(Source(flat, rgbReader.Info), geometry,
                    jitter ? 1.0 : 1 / 127.5, jitter ? 0.0 : -1.0);
                if (jitter)
                    rgb = ToClips(planes, windows.Length);
                else
                    readyRgb = ToClips(planes, windows.Length);
            }
            if (flowReader is not null)
            {
                var geometry = _transform.PlanGeometry(flowReader.Info.Width, flowReader.Info.Height, _options.Seed, epoch, sampleIndex);
                // Quantised v ↦ (v / 255) · 40 − 20 px.
                var bound = FlowQuantization.DefaultBound;
                flow = ToClips(flowReader.ReadFramesChannelsFirst(Source(flat, flowReader.Info), geometry, 2 * bound / 255.0, -bound), windows.Length);
            }
            var (outRgb, outFlow) = _transform.ApplyAfterGeometry(rgb, flow, _options.Seed, epoch, sampleIndex);
            outRgb ??= readyRgb;
            outRgb?.MoveToOuterDisposeScope();
            outFlow?.MoveToOuterDisposeScope();
            var sourceWindows = rgbReader is not null
                ? windows.Select(w => Source(w, rgbReader.Info)).ToArray()
                : windows.Select(w => Source(w, flowReader!.Info)).ToArray();
            return new SampleClips(outRgb, outFlow, sourceWindows);
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

    private int[] Source(int[] targetIndices, VideoInfo info) =>
        FrameRateResampler.SourceIndices(targetIndices, info.FrameCount, info.Fps, _options.TargetFps);

    /// <summary>Float planes <c>[C, K·T, H, W]</c> to clips <c>[K, C, T, H, W]</c> (no copy for K = 1).</summary>
    private static Tensor ToClips(Tensor planes, int k)
    {
        var shape = planes.shape;
        return planes.reshape(shape[0], k, shape[1] / k, shape[2], shape[3]).permute(1, 0, 2, 3, 4).contiguous();
    }
}
