using System.Diagnostics;
using I3D.Net.Data.Sampling;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Models;
using I3D.Net.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

/// <summary>
/// Classifies video files with an I3D model (RGB, flow or two-stream) in one call: decodes the video, resamples it
/// to the model's frame rate, resizes and crops, computes optical flow in memory when the model needs it (with the
/// settings the model was trained with), runs the model and returns the ranked class names.
/// </summary>
/// <remarks>
/// Create one from published weights (<c>FromPretrained</c>), from a file or trainer checkpoint (<see cref="Load"/>),
/// or from a model you hold. The model is moved to <see cref="Device"/> and put in eval mode. One classifier is used by
/// one thread at a time. Dispose it to free the model it created (a model you passed in stays yours).
/// </remarks>
public sealed partial class VideoClassifier : IDisposable
{
    private readonly nn.Module? _model;
    private readonly IClipClassifierModel? _backend;
    private readonly InceptionI3D? _single;
    private readonly TwoStreamI3D? _twoStream;
    private readonly bool _ownsModel;
    private readonly VideoReaderOptions _readerOptions = VideoReaderOptions.Default;
    private bool _disposed;

    /// <summary>Classifies with one stream: RGB (3 input channels) or optical flow (2 input channels).</summary>
    /// <param name="model">The model; it is moved to <see cref="Device"/> and put in eval mode, and stays yours to dispose.</param>
    /// <param name="classNames">One name per class, in logit order.</param>
    /// <param name="options">How videos are prepared; <see cref="VideoClassifierOptions.Default"/> when null.</param>
    /// <param name="flow">For a flow model: how its training flow was made (TV-L1 with OpenCV's defaults, ±20 px, when null).</param>
    /// <exception cref="ArgumentException">The class names do not match the model's classes, or an option is out of range.</exception>
    public VideoClassifier(InceptionI3D model, IReadOnlyList<string> classNames, VideoClassifierOptions? options = null, Flow.FlowSettings? flow = null)
        : this((nn.Module)model, classNames, options, flow, ownsModel: false)
    {
    }

    /// <summary>Classifies with a two-stream model; the flow is computed in memory from the decoded frames.</summary>
    /// <param name="model">The model; it is moved to <see cref="Device"/> and put in eval mode, and stays yours to dispose.</param>
    /// <param name="classNames">One name per class, in logit order.</param>
    /// <param name="options">How videos are prepared; <see cref="VideoClassifierOptions.Default"/> when null.</param>
    /// <param name="flow">How the flow stream's training flow was made (TV-L1 with OpenCV's defaults, ±20 px, when null).</param>
    /// <exception cref="ArgumentException">The class names do not match the model's classes, or an option is out of range.</exception>
    public VideoClassifier(TwoStreamI3D model, IReadOnlyList<string> classNames, VideoClassifierOptions? options = null, Flow.FlowSettings? flow = null)
        : this((nn.Module)model, classNames, options, flow, ownsModel: false)
    {
    }

    /// <summary>
    /// Classifies with another network, e.g. an ONNX Runtime session: the classifier prepares the clips (decode, resample,
    /// crop, flow) as for an I3D model and hands each batch to <paramref name="model"/> on the CPU.
    /// </summary>
    /// <param name="model">The network; when it requires one clip shape, <paramref name="options"/> must produce exactly that shape.</param>
    /// <param name="classNames">One name per class, in logit order.</param>
    /// <param name="options">How videos are prepared; <see cref="VideoClassifierOptions.Default"/> when null.</param>
    /// <param name="flow">For a network that reads flow: how its training flow was made (TV-L1 with OpenCV's defaults, ±20 px, when null).</param>
    /// <param name="ownsModel">Whether <see cref="Dispose"/> disposes <paramref name="model"/> (when it is <see cref="IDisposable"/>).</param>
    /// <exception cref="ArgumentException">
    /// The class names do not match the network's classes, the network reads neither RGB nor flow, an option is out of
    /// range, or the options do not produce the clip shape the network requires (the message names the option to set).
    /// </exception>
    public VideoClassifier(IClipClassifierModel model, IReadOnlyList<string> classNames, VideoClassifierOptions? options = null, Flow.FlowSettings? flow = null,
        bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classNames);
        Options = options ?? VideoClassifierOptions.Default;
        Options.Validate();
        if (!model.ReadsRgb && !model.ReadsFlow)
            throw new ArgumentException($"The network {model.GetType().Name} reads neither RGB nor flow.", nameof(model));
        if (model.RequiredClipShape is { } shape)
            RequireClipShape(Options, shape, nameof(options));
        CheckClassNames(model.NumClasses, classNames);
        flow?.Validate();
        _backend = model;
        ClassNames = classNames.ToArray();
        Flow = ReadsFlow ? Options.Flow ?? flow ?? DefaultFlow : null;
        // Preprocessing (flow) runs on the options' device; the network gets CPU batches and runs where it was set up to.
        Device = I3DRuntime.ResolveDevice(Options.Device);
        _ownsModel = ownsModel;
    }

    private static void RequireClipShape(VideoClassifierOptions o, ClipShape shape, string paramName)
    {
        var problems = new List<string>();
        if (o.Sampling != TemporalSampling.Clips)
            problems.Add($"Sampling = Clips (found {o.Sampling})");
        if (o.ClipLength != shape.Frames)
            problems.Add($"ClipLength = {shape.Frames} (found {o.ClipLength})");
        if (shape.Height != shape.Width)
            problems.Add($"a square crop, but the network needs {shape.Height}×{shape.Width} frames; export it with Height = Width");
        else if (o.CropSize != shape.Height)
            problems.Add($"CropSize = {shape.Height} (found {o.CropSize?.ToString() ?? "null"})");
        if (problems.Count > 0)
            throw new ArgumentException(
                $"The network requires clips of {shape} (frames×height×width), which these options do not produce; set VideoClassifierOptions "
                + string.Join("; ", problems) + ".", paramName);
    }

    private static void CheckClassNames(int numClasses, IReadOnlyList<string> classNames)
    {
        if (classNames.Count != numClasses)
            throw new ArgumentException(
                $"The model has {numClasses} classes, but {classNames.Count} class names were given. To fine-tune a model for your classes, "
                + $"call model.ReplaceLogits({classNames.Count}) and train it; to classify with it as it is, give {numClasses} names.", nameof(classNames));
        if (classNames.Any(string.IsNullOrEmpty))
            throw new ArgumentException("Every class name must be non-empty.", nameof(classNames));
    }

    private VideoClassifier(nn.Module model, IReadOnlyList<string> classNames, VideoClassifierOptions? options, Flow.FlowSettings? flow, bool ownsModel)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(classNames);
        Options = options ?? VideoClassifierOptions.Default;
        Options.Validate();
        (_single, _twoStream) = (model as InceptionI3D, model as TwoStreamI3D);
        int numClasses;
        if (_twoStream is not null)
            numClasses = _twoStream.NumClasses;
        else if (_single is not null)
        {
            if (_single.FinalEndpoint != I3DEndpoint.Logits)
                throw new ArgumentException($"The model ends at {_single.FinalEndpoint}; a classifier needs one built up to the logits.", nameof(model));
            if (_single.InChannels is not (2 or 3))
                throw new ArgumentException($"Expected an RGB (3-channel) or flow (2-channel) model, found {_single.InChannels} input channels.", nameof(model));
            numClasses = _single.NumClasses;
        }
        else
            throw new ArgumentException($"Expected an InceptionI3D or a TwoStreamI3D, found {model.GetType().Name}.", nameof(model));
        CheckClassNames(numClasses, classNames);
        flow?.Validate();
        ClassNames = classNames.ToArray();
        Flow = ReadsFlow ? Options.Flow ?? flow ?? DefaultFlow : null;
        Device = I3DRuntime.ResolveDevice(Options.Device);
        _model = model;
        _ownsModel = ownsModel;
        // Module.to replaces the parameters even on the same device: move only when needed.
        if (_model.parameters().FirstOrDefault() is { } first && (first.device_type != Device.type || first.device_index != Device.index && Device.index >= 0))
            _model.to(Device);
        _model.eval();
    }

    /// <summary>The class names, in logit order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>How videos are prepared.</summary>
    public VideoClassifierOptions Options { get; }

    /// <summary>The device the model runs on (with a <see cref="Backend"/>, the device flow is computed on).</summary>
    public Device Device { get; }

    /// <summary>The model: an <see cref="InceptionI3D"/> or a <see cref="TwoStreamI3D"/>.</summary>
    /// <exception cref="InvalidOperationException">The classifier runs a <see cref="Backend"/>, not a TorchSharp model.</exception>
    public nn.Module Model => _model ?? throw new InvalidOperationException($"This classifier runs {_backend!.GetType().Name}, not a TorchSharp model; see Backend.");

    /// <summary>The network given as an <see cref="IClipClassifierModel"/>, or null when the classifier runs a TorchSharp <see cref="Model"/>.</summary>
    public IClipClassifierModel? Backend => _backend;

    /// <summary>Whether the model reads RGB frames (an RGB stream or a two-stream model).</summary>
    public bool ReadsRgb => _backend?.ReadsRgb ?? (_twoStream is not null || _single!.InChannels == 3);

    /// <summary>Whether the model reads optical flow (a flow stream or a two-stream model), computed in memory.</summary>
    public bool ReadsFlow => _backend?.ReadsFlow ?? (_twoStream is not null || _single!.InChannels == 2);

    /// <summary>How flow is computed for the model (the training flow's settings), or null when it reads no flow.</summary>
    public Flow.FlowSettings? Flow { get; }

    /// <summary>
    /// Classifies one video: reads the frames <see cref="Options"/> asks for, runs the model on each window and crop,
    /// averages the logits and ranks the classes by the softmax of the average.
    /// </summary>
    /// <param name="video">A video file, or a folder of frames.</param>
    /// <param name="topK">How many classes to return (at most the number of classes).</param>
    /// <param name="cancellationToken">Stops between windows and flow batches.</param>
    /// <returns>The ranked classes, the averaged logits and the windows that were read.</returns>
    /// <exception cref="FileNotFoundException">The video does not exist.</exception>
    /// <exception cref="InvalidDataException">The video cannot be decoded, or has too few frames for flow.</exception>
    public VideoPrediction Predict(string video, int topK = 5, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(video);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var source = new FrameSource(this, video);
        var windows = Windows(source.FrameCount);
        var (logits, clips) = Run(source, windows, cancellationToken);
        var probabilities = Softmax(logits);
        return new VideoPrediction(Path.GetFullPath(video), Rank(probabilities, topK), logits, probabilities, clips, Options.Crops);
    }

    /// <summary>Classifies many videos one after the other.</summary>
    /// <param name="videos">Video files or frame folders.</param>
    /// <param name="topK">How many classes to return per video.</param>
    /// <param name="progress">Receives a report after each video (with an estimate of the time left).</param>
    /// <param name="cancellationToken">Stops between videos (and within one, between windows).</param>
    /// <returns>One prediction per video, in the order given.</returns>
    /// <exception cref="InvalidDataException">A video cannot be decoded (the message names it); the videos before it were classified.</exception>
    public IReadOnlyList<VideoPrediction> PredictMany(IEnumerable<string> videos, int topK = 5, IProgress<VideoPredictionProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(videos);
        var list = videos.ToList();
        var results = new List<VideoPrediction>(list.Count);
        var watch = Stopwatch.StartNew();
        foreach (var video in list)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var prediction = Predict(video, topK, cancellationToken);
            results.Add(prediction);
            progress?.Report(new VideoPredictionProgress(video, results.Count, list.Count, prediction, watch.Elapsed));
        }
        return results;
    }

    /// <summary>
    /// Classifies a long video window by window: windows of <paramref name="window"/> every <paramref name="stride"/>
    /// (at the options' frame rate), each read whole with the options' crops. A video shorter than one window gives
    /// one window over all of it.
    /// </summary>
    /// <param name="video">A video file, or a folder of frames.</param>
    /// <param name="window">The length of each window.</param>
    /// <param name="stride">The time between window starts.</param>
    /// <param name="topK">How many classes to return per window.</param>
    /// <param name="cancellationToken">Stops between windows.</param>
    /// <returns>The windows in time order, with their top classes and timestamps.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> or <paramref name="stride"/> is not positive.</exception>
    public IReadOnlyList<TimelineWindow> PredictTimeline(string video, TimeSpan window, TimeSpan stride, int topK = 5, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(video);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stride, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var source = new FrameSource(this, video);
        var n = source.FrameCount;
        var windowFrames = Math.Max(1, (int)Math.Round(window.TotalSeconds * source.Rate));
        var strideFrames = Math.Max(1, (int)Math.Round(stride.TotalSeconds * source.Rate));
        var results = new List<TimelineWindow>();
        if (windowFrames > n)
            windowFrames = n;
        for (var start = 0; start + windowFrames <= n; start += strideFrames)
        {
            var (logits, clips) = Run(source, [Enumerable.Range(start, windowFrames).ToArray()], cancellationToken);
            results.Add(new TimelineWindow(clips[0].Start, clips[0].End, Rank(Softmax(logits), topK), logits, clips[0].Frames));
        }
        return results;
    }

    /// <summary>Disposes the model if this classifier created it (<c>FromPretrained</c>, <see cref="Load"/>) or was given it to own.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_ownsModel) return;
        if (_backend is not null)
        {
            (_backend as IDisposable)?.Dispose();
            return;
        }
        if (_model is null) return;
        // Module.Dispose releases the native module but leaves the parameter and buffer wrappers to the finalizer.
        foreach (var tensor in _model.state_dict().Values) tensor.Dispose();
        _model.Dispose();
    }

    /// <summary>The windows (frame indices at the options' rate) of a video with <paramref name="frames"/> frames.</summary>
    internal int[][] Windows(int frames)
    {
        if (Options.Sampling == TemporalSampling.Clips)
            return ClipSampler.EvenlySpacedWindows(frames, Options.ClipLength, 1, Options.Clips);
        var length = Math.Min(frames, Options.MaxFrames);
        return [Enumerable.Range((frames - length) / 2, length).ToArray()];
    }

    /// <summary>Runs the model on every window and crop; returns the averaged logits and the windows' source frames.</summary>
    private (float[] Logits, PredictionClip[] Clips) Run(FrameSource source, int[][] windows, CancellationToken cancellationToken)
    {
        var sum = new double[ClassNames.Count];
        var count = 0;
        var clips = new PredictionClip[windows.Length];
        // One window at a time bounds memory; BatchSize groups the window's crops (and small windows) per forward pass.
        var pending = new List<(Tensor? Rgb, Tensor? Flow)>();
        void Flush()
        {
            if (pending.Count == 0) return;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            // A backend gets CPU batches (it may run elsewhere on its own); a TorchSharp model gets them on its device.
            var target = _backend is null ? Device : CPU;
            var rgb = pending[0].Rgb is null ? null : cat(pending.Select(p => p.Rgb!).ToArray(), 0).to(target);
            var flow = pending[0].Flow is null ? null : cat(pending.Select(p => p.Flow!).ToArray(), 0).to(target);
            double[] data;
            if (_backend is not null)
            {
                var values = _backend.Logits(rgb, flow);
                if (values.Length != pending.Count * sum.Length)
                    throw new InvalidOperationException($"{_backend.GetType().Name} returned {values.Length} logits for {pending.Count} clips of {sum.Length} classes.");
                data = Array.ConvertAll(values, v => (double)v);
            }
            else
            {
                var logits = _twoStream is not null ? _twoStream.forward(rgb!, flow!) : _single!.forward(rgb ?? flow!);
                data = logits.to(ScalarType.Float64).cpu().data<double>().ToArray();
            }
            var rows = data.Length / sum.Length;
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < sum.Length; c++)
                    sum[c] += data[r * sum.Length + c];
            count += (int)rows;
            foreach (var (r, f) in pending)
            {
                r?.Dispose();
                f?.Dispose();
            }
            pending.Clear();
        }

        try
        {
            for (var w = 0; w < windows.Length; w++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (rgb, flow, clip) = source.Read(windows[w], cancellationToken);
                clips[w] = clip;
                using (rgb)
                using (flow)
                {
                    for (var c = 0; c < source.CropCount; c++)
                    {
                        pending.Add((rgb is null ? null : source.Crop(rgb, c), flow is null ? null : source.Crop(flow, c)));
                        if (pending.Count >= Options.BatchSize) Flush();
                    }
                }
            }
            Flush();
        }
        finally
        {
            foreach (var (r, f) in pending)
            {
                r?.Dispose();
                f?.Dispose();
            }
        }
        return (sum.Select(v => (float)(v / count)).ToArray(), clips);
    }

    private static float[] Softmax(float[] logits)
    {
        var max = logits.Max();
        var exp = logits.Select(v => Math.Exp(v - max)).ToArray();
        var total = exp.Sum();
        return exp.Select(v => (float)(v / total)).ToArray();
    }

    private ClassScore[] Rank(float[] probabilities, int topK) =>
        probabilities.Select((p, i) => (p, i))
            .OrderByDescending(t => t.p).ThenBy(t => t.i)
            .Take(Math.Min(topK, probabilities.Length))
            .Select(t => new ClassScore(t.i, ClassNames[t.i], t.p))
            .ToArray();
}
