using System.Text.Json;
using I3D.Net.Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace I3D.Net.Onnx;

/// <summary>
/// Runs an exported I3D (<see cref="OnnxExport"/>) with ONNX Runtime: no libtorch is needed. Inputs are float32
/// <c>[B, C, T, H, W]</c> clips named <c>rgb</c> and/or <c>flow</c>; the output is the exported endpoint (logits by
/// default). Runs may be concurrent: an ONNX Runtime session allows it. As an <see cref="IClipClassifierModel"/> it is
/// the network of a <see cref="VideoClassifier"/> (<see cref="OnnxVideoClassifier.Load"/>).
/// </summary>
public sealed class OnnxI3D : IClipClassifierModel, IDisposable
{
    private readonly InferenceSession session;
    private readonly Dictionary<string, int[]> inputShapes;

    /// <summary>Loads an exported model.</summary>
    /// <param name="path">The .onnx file.</param>
    /// <param name="options">Threads, optimisation and execution providers; <see cref="OnnxI3DOptions.Default"/> when null.</param>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not an ONNX model ONNX Runtime accepts.</exception>
    public OnnxI3D(string path, OnnxI3DOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= OnnxI3DOptions.Default;
        if (options.IntraOpThreads is < 1)
            throw new ArgumentException($"{nameof(OnnxI3DOptions.IntraOpThreads)} must be at least 1; found {options.IntraOpThreads}.", nameof(options));
        if (!File.Exists(path))
            throw new FileNotFoundException($"No ONNX model at {path}.", path);
        using var sessionOptions = new SessionOptions { GraphOptimizationLevel = options.OptimizationLevel };
        if (options.IntraOpThreads is { } threads)
            sessionOptions.IntraOpNumThreads = threads;
        options.ConfigureSession?.Invoke(sessionOptions);
        try
        {
            session = new InferenceSession(path, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidDataException($"{path}: ONNX Runtime cannot load the model: {e.Message}", e);
        }
        inputShapes = session.InputMetadata.ToDictionary(i => i.Key, i => i.Value.Dimensions);
        InputNames = session.InputMetadata.Keys.ToArray();
        OutputName = session.OutputMetadata.Keys.First();
        var outputShape = session.OutputMetadata[OutputName].Dimensions;
        NumClasses = outputShape.Length == 2 && outputShape[1] > 0 ? outputShape[1] : 0;
        var first = inputShapes[InputNames[0]];
        if (first.Length == 5 && first[2] > 0 && first[3] > 0 && first[4] > 0)
            RequiredClipShape = new ClipShape(first[2], first[3], first[4]);
        Metadata = new Dictionary<string, string>(session.ModelMetadata.CustomMetadataMap);
        ClassNames = Metadata.TryGetValue(OnnxMetadataKeys.ClassNames, out var json)
            ? ParseClassNames(json, path)
            : [];
    }

    /// <summary>Input names in graph order: <c>rgb</c>, <c>flow</c>, or both.</summary>
    public IReadOnlyList<string> InputNames { get; }

    /// <summary>The output's name (<see cref="OnnxEndpoint.OutputName"/>).</summary>
    public string OutputName { get; }

    /// <summary>The model's metadata properties (<see cref="OnnxMetadataKeys"/>).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Class names, one per logit, or empty when the export named none.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>The output's last dimension when the output is <c>[B, N]</c> (logits or pooled features); 0 otherwise.</summary>
    public int NumClasses { get; }

    /// <summary>Whether the graph has an <c>rgb</c> input.</summary>
    public bool ReadsRgb => InputNames.Contains("rgb");

    /// <summary>Whether the graph has a <c>flow</c> input.</summary>
    public bool ReadsFlow => InputNames.Contains("flow");

    /// <summary>The clip size the graph was exported for (frames, height, width of its first input).</summary>
    public ClipShape? RequiredClipShape { get; }

    /// <summary>
    /// Runs the graph on TorchSharp clips, as a <see cref="VideoClassifier"/> does: each CPU float32 tensor is copied
    /// once into the array ONNX Runtime reads (its memory is not shared with libtorch's).
    /// </summary>
    /// <param name="rgb">RGB clips <c>[B, 3, T, H, W]</c> when the graph has an <c>rgb</c> input.</param>
    /// <param name="flow">Flow clips <c>[B, 2, T, H, W]</c> when the graph has a <c>flow</c> input.</param>
    /// <returns>The logits, row by row.</returns>
    /// <exception cref="InvalidOperationException">The graph outputs features, not logits.</exception>
    /// <exception cref="ArgumentException">An input the graph has is missing, not float32 on the CPU, or not of the exported size.</exception>
    public float[] Logits(TorchSharp.torch.Tensor? rgb, TorchSharp.torch.Tensor? flow)
    {
        if (OutputName != OnnxEndpoint.Logits.OutputName)
            throw new InvalidOperationException($"This graph outputs '{OutputName}', not logits; export it with Endpoint = OnnxEndpoint.Logits to classify with it.");
        var inputs = new List<(string, DenseTensor<float>)>(2);
        if (ReadsRgb) inputs.Add(("rgb", ToDense(rgb, "rgb")));
        if (ReadsFlow) inputs.Add(("flow", ToDense(flow, "flow")));
        return Run(inputs.ToArray()).Buffer.ToArray();
    }

    private static DenseTensor<float> ToDense(TorchSharp.torch.Tensor? t, string name)
    {
        if (t is null)
            throw new ArgumentException($"The graph has a '{name}' input, but no {name} clips were given.", name);
        if (t.dtype != TorchSharp.torch.ScalarType.Float32 || t.device_type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"'{name}' must be float32 on the CPU; found {t.dtype} on {t.device}.", name);
        using var contiguous = t.contiguous();
        var values = new float[contiguous.numel()];
        contiguous.data<float>().CopyTo(values);
        return new DenseTensor<float>(values, t.shape.Select(d => checked((int)d)).ToArray());
    }

    /// <summary>An input's shape as exported: −1 for a dynamic batch.</summary>
    /// <param name="input">An input name.</param>
    public IReadOnlyList<int> InputShape(string input) =>
        inputShapes.TryGetValue(input, out var shape) ? shape : throw new ArgumentException($"The model has no input '{input}'; it has {string.Join(", ", InputNames)}.", nameof(input));

    /// <summary>Runs a one-input model.</summary>
    /// <param name="clip">Clips <c>[B, C, T, H, W]</c> of the exported size.</param>
    /// <returns>The output, e.g. logits <c>[B, NumClasses]</c>.</returns>
    public DenseTensor<float> Run(DenseTensor<float> clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (InputNames.Count != 1)
            throw new InvalidOperationException($"This model has the inputs {string.Join(", ", InputNames)}; call Run(rgb, flow).");
        return Run([(InputNames[0], clip)]);
    }

    /// <summary>Runs a one-input model on a flat array.</summary>
    /// <param name="clip">Clip values in <c>[B, C, T, H, W]</c> order.</param>
    /// <param name="shape">The clip's shape.</param>
    /// <returns>The output, e.g. logits <c>[B, NumClasses]</c>.</returns>
    public DenseTensor<float> Run(float[] clip, ReadOnlySpan<int> shape) => Run(Wrap(clip, shape, "clip"));

    /// <summary>Runs a two-stream model.</summary>
    /// <param name="rgb">RGB clips <c>[B, 3, T, H, W]</c>.</param>
    /// <param name="flow">Flow clips <c>[B, 2, T, H, W]</c>.</param>
    /// <returns>The fused logits <c>[B, NumClasses]</c> (or the features that were exported).</returns>
    public DenseTensor<float> Run(DenseTensor<float> rgb, DenseTensor<float> flow)
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(flow);
        if (!InputNames.Contains("rgb") || !InputNames.Contains("flow"))
            throw new InvalidOperationException($"This model has the inputs {string.Join(", ", InputNames)}, not rgb and flow; call Run(clip).");
        return Run([("rgb", rgb), ("flow", flow)]);
    }

    private DenseTensor<float> Run((string Name, DenseTensor<float> Value)[] inputs)
    {
        foreach (var (name, value) in inputs)
        {
            var expected = inputShapes[name];
            var found = value.Dimensions;
            bool ok = found.Length == expected.Length;
            for (int i = 0; ok && i < found.Length; i++)
                ok = expected[i] < 0 ? found[i] >= 1 : found[i] == expected[i];
            if (!ok)
                throw new ArgumentException(
                    $"Input '{name}': expected [{string.Join(", ", expected.Select(d => d < 0 ? "B" : d.ToString()))}], found [{string.Join(", ", found.ToArray())}]; the graph is made for one clip size (metadata {OnnxMetadataKeys.ClipSize}).");
        }
        using var results = session.Run(inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name, i.Value)).ToArray());
        return results.First().AsTensor<float>().ToDenseTensor();
    }

    private static DenseTensor<float> Wrap(float[] values, ReadOnlySpan<int> shape, string name)
    {
        ArgumentNullException.ThrowIfNull(values);
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 1) throw new ArgumentException($"The {name} shape has a dimension {d}.", nameof(shape));
            count *= d;
        }
        if (count != values.LongLength)
            throw new ArgumentException($"The {name} shape [{string.Join(", ", shape.ToArray())}] holds {count} values; found {values.Length}.", nameof(values));
        return new DenseTensor<float>(values, shape);
    }

    private static string[] ParseClassNames(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<string[]>(json) ?? throw new InvalidDataException($"{path}: metadata {OnnxMetadataKeys.ClassNames} is null.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: metadata {OnnxMetadataKeys.ClassNames} is not a JSON array of strings: {e.Message}", e);
        }
    }

    /// <summary>Releases the ONNX Runtime session.</summary>
    public void Dispose() => session.Dispose();
}
