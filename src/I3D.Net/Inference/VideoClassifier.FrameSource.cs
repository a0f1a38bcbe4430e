using System.Runtime.InteropServices;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

public sealed partial class VideoClassifier
{
    /// <summary>What the classifier assumes about a flow model's training flow when nothing was recorded: what
    /// <see cref="FlowExtractor"/> writes by default (TV-L1 with OpenCV's defaults, ±20 px, 8-bit JPEGs of quality 95, the video's own frames).</summary>
    public static FlowSettings DefaultFlow { get; } = FlowSettings.Describe(new TvL1OpticalFlow());

    /// <summary>
    /// One open video: its frames at the options' rate, decoded and resized (not yet cropped) per window, and for flow
    /// models the flow of the frame pairs those windows need, computed once per pair exactly as the training flow was.
    /// </summary>
    internal sealed class FrameSource : IDisposable
    {
        private readonly VideoClassifier _owner;
        private readonly IFrameReader _reader;
        private readonly double? _target;
        private readonly IOpticalFlow? _method;
        private readonly double _flowRate;
        private readonly int _flowFrames;
        private readonly Dictionary<int, Mat> _flowCache = new();
        private readonly FrameGeometry? _rgbGeometry;
        private FrameGeometry? _flowGeometry;
        private bool _flowGeometryPlanned;

        public FrameSource(VideoClassifier owner, string video)
        {
            _owner = owner;
            _reader = VideoReader.Open(video, owner._readerOptions);
            try
            {
                var info = _reader.Info;
                var o = owner.Options;
                _target = o.FramesPerSecond;
                SourceFps = info.Fps > 0 ? info.Fps : o.FramesPerSecond ?? 25;
                Rate = o.FramesPerSecond ?? SourceFps;
                _rgbGeometry = Geometry(info.Width, info.Height);
                if (owner.ReadsFlow)
                {
                    var flow = owner.Flow!;
                    if (info.FrameCount < 2)
                        throw new InvalidDataException($"'{_reader.Path}' has {info.FrameCount} frame(s); optical flow needs at least 2.");
                    // Flow pair k is frame k → k + 1 at the rate the training flow was computed at (the video's own by default).
                    _flowRate = flow.Fps > 0 && Math.Abs(flow.Fps - flow.SourceFps) > 1e-6 ? flow.Fps : SourceFps;
                    _flowFrames = FrameRateResampler.ResampledCount(info.FrameCount, SourceFps, _flowRate);
                    if (_flowFrames < 2)
                        throw new InvalidDataException($"'{_reader.Path}' has {_flowFrames} frame(s) at the flow's {_flowRate:G} fps; optical flow needs at least 2.");
                    _method = flow.CreateMethod();
                    // Paired streams use the shorter: the last frame has no pair to start.
                    FrameCount = FrameRateResampler.ResampledCount(_flowFrames - 1, _flowRate, _target);
                }
                else
                {
                    FrameCount = FrameRateResampler.ResampledCount(info.FrameCount, SourceFps, _target);
                }
                CropCount = o.Crops;
            }
            catch
            {
                _reader.Dispose();
                throw;
            }
        }

        /// <summary>Frames at the options' rate.</summary>
        public int FrameCount { get; }

        /// <summary>The options' rate (the video's own when the options keep it).</summary>
        public double Rate { get; }

        /// <summary>The video's own rate (the options' rate, else 25, when it reports none).</summary>
        public double SourceFps { get; }

        /// <summary>Spatial crops per window.</summary>
        public int CropCount { get; }

        /// <summary>
        /// Reads one window (frame indices at the options' rate): RGB <c>[3, T, H, W]</c> and/or flow <c>[2, T, H, W]</c>
        /// in [-1, 1], resized but not cropped, and which frames of the file it read.
        /// </summary>
        public (Tensor? Rgb, Tensor? Flow, PredictionClip Clip) Read(int[] window, CancellationToken cancellationToken)
        {
            var info = _reader.Info;
            int[] frames;
            Tensor? rgb = null, flow = null;
            try
            {
                if (_owner.ReadsFlow)
                {
                    // Target frame j → flow pair k (at the flow's rate) → the pair's first frame in the file.
                    var pairs = FrameRateResampler.SourceIndices(window, _flowFrames - 1, _flowRate, _target);
                    frames = pairs.Select(k => FrameRateResampler.SourceIndex(k, info.FrameCount, SourceFps, _flowRate)).ToArray();
                    flow = FlowPlanes(pairs, cancellationToken);
                }
                else
                {
                    frames = FrameRateResampler.SourceIndices(window, info.FrameCount, SourceFps, _target);
                }
                if (_owner.ReadsRgb)
                    rgb = _reader.ReadFramesChannelsFirst(frames, _rgbGeometry, 1 / 127.5, -1.0);
            }
            catch
            {
                rgb?.Dispose();
                flow?.Dispose();
                throw;
            }
            var clip = new PredictionClip(frames, TimeSpan.FromSeconds(frames[0] / SourceFps), TimeSpan.FromSeconds((frames.Max() + 1) / SourceFps));
            return (rgb, flow, clip);
        }

        /// <summary>Crop <paramref name="index"/> of a resized window <c>[C, T, H, W]</c> as a batch of one <c>[1, C, T, S, S]</c>.</summary>
        public Tensor Crop(Tensor planes, int index)
        {
            using var scope = NewDisposeScope();
            if (_owner.Options.CropSize is not { } size)
                return planes.unsqueeze(0).MoveToOuterDisposeScope();
            long height = planes.shape[2], width = planes.shape[3];
            if (height < size || width < size)
                throw new InvalidDataException(
                    $"Cannot crop {size}×{size} from the frames of '{_reader.Path}', which are {width}×{height} after resizing; set ShortSide ≥ CropSize.");
            // One crop: the centre. Three: both ends and the centre of the longer side, centred on the shorter.
            var along = CropCount == 1 ? 0.5 : index * 0.5;
            var (fy, fx) = height > width ? (along, 0.5) : (0.5, along);
            var y = ClipTransforms.CropOffset(height, size, fy);
            var x = ClipTransforms.CropOffset(width, size, fx);
            return planes.narrow(2, y, size).narrow(3, x, size).unsqueeze(0).MoveToOuterDisposeScope();
        }

        /// <summary>The resize of the options for frames of <paramref name="width"/>×<paramref name="height"/> (crops are taken later).</summary>
        private FrameGeometry? Geometry(int width, int height)
        {
            if (_owner.Options.ShortSide is not { } side)
                return null;
            var (h, w) = ClipTransforms.ShortSideSize(height, width, side);
            return new FrameGeometry((int)w, (int)h, 0, 0, (int)w, (int)h);
        }

        /// <summary>
        /// Flow planes <c>[2, T, H, W]</c> in [-1, 1] for flow pairs <paramref name="pairs"/>: as the data pipeline reads
        /// a flow folder (quantised bytes to pixels, resized with the frames' geometry, clipped to ±bound and divided by it).
        /// </summary>
        private Tensor FlowPlanes(int[] pairs, CancellationToken cancellationToken)
        {
            var settings = _owner.Flow!;
            ComputePairs(pairs.Distinct().Where(k => !_flowCache.ContainsKey(k)).Order().ToArray(), cancellationToken);
            var first = _flowCache[pairs[0]];
            var (height, width) = (first.Height, first.Width);
            // Managed planes [2, T, H, W], then one copy into a tensor (Tensor.storage would leave a wrapper to the finalizer).
            var planeLength = height * width;
            var values = new float[2L * pairs.Length * planeLength];
            var handle = GCHandle.Alloc(values, GCHandleType.Pinned);
            try
            {
                var basePtr = handle.AddrOfPinnedObject();
                // The pixel values of stored flow: v / 255 · 2·bound − bound (FlowQuantization.Dequantize, as the loader does it).
                var (scale, offset) = settings.Quantized ? (2 * settings.Bound / 255.0, -settings.Bound) : (1.0, 0.0);
                for (var t = 0; t < pairs.Length; t++)
                {
                    var split = Cv2.Split(_flowCache[pairs[t]]);
                    try
                    {
                        for (var c = 0; c < 2; c++)
                        {
                            using var destination = Mat.FromPixelData(height, width, MatType.CV_32FC1,
                                basePtr + (nint)(((long)c * pairs.Length + t) * planeLength * sizeof(float)));
                            split[c].ConvertTo(destination, MatType.CV_32FC1, scale, offset);
                        }
                    }
                    finally
                    {
                        foreach (var m in split) m.Dispose();
                    }
                }
            }
            finally
            {
                handle.Free();
            }
            using var pixels = tensor(values, [2, pairs.Length, height, width]);
            return ClipTransforms.NormalizeFlow(pixels, settings.Bound);
        }

        /// <summary>Computes, stores (quantised and JPEG-coded when the settings say so) and resizes the flow of <paramref name="pairs"/>.</summary>
        private void ComputePairs(int[] pairs, CancellationToken cancellationToken)
        {
            var settings = _owner.Flow!;
            var info = _reader.Info;
            var batch = _owner.Options.FlowBatchSize;
            for (var start = 0; start < pairs.Length; start += batch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var chunk = pairs.Skip(start).Take(batch).ToArray();
                var previousFrames = chunk.Select(k => FrameRateResampler.SourceIndex(k, info.FrameCount, SourceFps, _flowRate)).ToArray();
                var nextFrames = chunk.Select(k => FrameRateResampler.SourceIndex(k + 1, info.FrameCount, SourceFps, _flowRate)).ToArray();
                using var scope = NewDisposeScope();
                var gray = Gray(previousFrames.Concat(nextFrames).ToArray(), settings);
                var onDevice = gray.to(_owner.Device);
                var flow = _method!.Compute(onDevice.narrow(0, 0, chunk.Length), onDevice.narrow(0, chunk.Length, chunk.Length)).cpu();
                Tensor stored = settings.Quantized
                    ? FlowQuantization.Quantize(flow, settings.Bound).contiguous()
                    : flow.to(ScalarType.Float32).contiguous();
                var (height, width) = ((int)stored.shape[2], (int)stored.shape[3]);
                for (var i = 0; i < chunk.Length; i++)
                {
                    var x = Plane(stored, i, 0, height, width, settings);
                    var y = Plane(stored, i, 1, height, width, settings);
                    using (x)
                    using (y)
                    {
                        var xy = new Mat();
                        Cv2.Merge([x, y], xy);
                        _flowGeometry = PlanFlowGeometry(width, height);
                        if (_flowGeometry is { } g && (g.ResizeWidth != width || g.ResizeHeight != height))
                        {
                            // The loader resizes flow images like frames: the values (pixels at the flow's resolution) are not rescaled.
                            var resized = new Mat();
                            Cv2.Resize(xy, resized, new OpenCvSharp.Size(g.ResizeWidth, g.ResizeHeight), 0, 0, InterpolationFlags.Linear);
                            xy.Dispose();
                            xy = resized;
                        }
                        _flowCache[chunk[i]] = xy;
                    }
                }
            }
        }

        private FrameGeometry? PlanFlowGeometry(int width, int height)
        {
            if (!_flowGeometryPlanned)
            {
                _flowGeometry = Geometry(width, height);
                _flowGeometryPlanned = true;
            }
            return _flowGeometry;
        }

        /// <summary>One component of pair <paramref name="i"/> as a one-channel Mat, through a JPEG round trip when the training flow was stored as JPEG.</summary>
        private static Mat Plane(Tensor stored, int i, int component, int height, int width, FlowSettings settings)
        {
            using var plane = stored[i, component].contiguous();
            if (!settings.Quantized)
            {
                var floats = new Mat(height, width, MatType.CV_32FC1);
                var data = plane.data<float>().ToArray();
                Marshal.Copy(data, 0, floats.Data, data.Length);
                return floats;
            }
            var bytes = plane.data<byte>().ToArray();
            if (settings.JpegQuality is { } quality)
                return Cv2.ImDecode(FlowPreprocessing.EncodeJpeg(bytes, height, width, quality), ImreadModes.Grayscale);
            using var raw = Mat.FromPixelData(height, width, MatType.CV_8UC1, bytes);
            return raw.Clone();
        }

        /// <summary>Frames of the file as 8-bit grayscale, resized to the flow's frame size when one was recorded: float <c>[N, H, W]</c>.</summary>
        private Tensor Gray(int[] frames, FlowSettings settings)
        {
            using var rgb = _reader.ReadFrames(frames);   // [N, H, W, 3] uint8 RGB
            return FlowPreprocessing.Grayscale(rgb, settings);   // FlowExtractor's own step, so the flow matches stored flow
        }

        public void Dispose()
        {
            foreach (var mat in _flowCache.Values) mat.Dispose();
            _flowCache.Clear();
            _reader.Dispose();
        }
    }
}
