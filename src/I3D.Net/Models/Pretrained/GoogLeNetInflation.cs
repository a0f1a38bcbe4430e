using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using static TorchSharp.torch;

namespace I3D.Net.Models;

/// <summary>
/// Maps torchvision's GoogLeNet (Inception-v1 with BatchNorm) ImageNet state dict onto I3D's parameter names and
/// inflates every convolution to 3D — the paper's ImageNet initialisation.
/// </summary>
/// <remarks>
/// torchvision's <c>googlenet</c> has exactly I3D's layer widths, and its "5×5" branch (<c>branch3</c>) is really a
/// 3×3 like I3D's. Mapping: <c>conv1</c>→<c>Conv3d_1a_7x7</c>, <c>conv2</c>→<c>Conv3d_2b_1x1</c>,
/// <c>conv3</c>→<c>Conv3d_2c_3x3</c>, <c>inception3a/3b</c>→<c>Mixed_3b/3c</c>, <c>4a…4e</c>→<c>Mixed_4b…4f</c>,
/// <c>5a/5b</c>→<c>Mixed_5b/5c</c>; inside a block <c>branch1</c>→<c>b0</c>, <c>branch2.0/.1</c>→<c>b1a/b1b</c>,
/// <c>branch3.0/.1</c>→<c>b2a/b2b</c>, <c>branch4.1</c>→<c>b3b</c>. <c>aux1</c>, <c>aux2</c> and <c>fc</c> are dropped
/// (I3D gets a fresh logits layer). Each kernel is inflated with its I3D layer's temporal size: read from the target
/// model's layer when one is given, else the reference table's (7 for 1a, 3 for 3×3, 1 for 1×1); BatchNorm weight, bias and running statistics are copied (both use eps 1e-3).
/// <para>
/// Preprocessing: torchvision's pretrained googlenet sets <c>transform_input=True</c>, which turns
/// ImageNet-normalised input back into the [-1, 1] scaling the weights were trained with (they come from TensorFlow).
/// I3D feeds RGB in [-1, 1] directly, so the inflated weights see the input scaling they expect.
/// </para>
/// </remarks>
public static class GoogLeNetInflation
{
    /// <summary>One convolution + BatchNorm of GoogLeNet and the I3D layer it initialises.</summary>
    internal sealed record Layer(string GoogLeNet, string I3D, long Out, long In, long Kernel, long TemporalKernel);

    static readonly string[] BnNames = { "weight", "bias", "running_mean", "running_var" };

    /// <summary>Every GoogLeNet conv layer with its expected 2D shape and the I3D layer it maps to.</summary>
    internal static IReadOnlyList<Layer> Layers { get; } = BuildLayers();

    /// <summary>
    /// Converts a GoogLeNet ImageNet state dict into an I3D state dict (all layers but <c>logits</c>; without
    /// <c>num_batches_tracked</c> counters, which the model keeps at their fresh values).
    /// </summary>
    /// <param name="googLeNet">The torchvision GoogLeNet state dict (e.g. from <see cref="PyTorchStateDict.Load(string, string?)"/>).</param>
    /// <param name="inChannels">
    /// Input channels of the I3D stream: 3 for RGB; for any other count (2 for flow) the first kernel's RGB input
    /// channels are averaged and replicated (<see cref="Inflation.AverageInputChannels"/>).
    /// </param>
    /// <param name="mode">How kernels are spread over time.</param>
    /// <param name="sourceName">Where the state dict came from, for error messages.</param>
    /// <returns>New float32 CPU tensors by I3D key, e.g. <c>Mixed_3b.b1b.conv3d.weight</c>. The caller owns them.</returns>
    /// <exception cref="InvalidDataException">A key is missing, has an unexpected shape, or is not part of GoogLeNet; the message names it.</exception>
    public static Dictionary<string, Tensor> ToI3DStateDict(IReadOnlyDictionary<string, Tensor> googLeNet, int inChannels = 3,
        InflationMode mode = InflationMode.RepeatAndDivide, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(googLeNet);
        if (inChannels < 1) throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "Must be at least 1.");
        string source = sourceName ?? "GoogLeNet state dict";

        Validate(googLeNet, source);

        using var scope = NewDisposeScope();
        var result = new Dictionary<string, Tensor>();
        foreach (var layer in Layers)
        {
            var w = googLeNet[layer.GoogLeNet + ".conv.weight"].detach().to(ScalarType.Float32, CPU);
            if (layer.I3D == Stem && inChannels != layer.In)
                w = Inflation.AverageInputChannels(w, inChannels);
            result[layer.I3D + ".conv3d.weight"] = Inflation.InflateConv2d(w, layer.TemporalKernel, mode);
            foreach (var bn in BnNames)
                result[$"{layer.I3D}.bn.{bn}"] = Inflation.InflateBatchNorm(
                    googLeNet[$"{layer.GoogLeNet}.bn.{bn}"].detach().to(ScalarType.Float32, CPU));
        }
        foreach (var t in result.Values) t.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>
    /// Converts a GoogLeNet ImageNet state dict for <paramref name="target"/>: each kernel's temporal size is read from
    /// the target layer's weight (<see cref="Inflation.InflateConv2dFor"/>), not from a table, so a model whose table
    /// gives, say, a 3×7×7 stem is inflated to that. Layers the target does not build (past its final endpoint) are left out.
    /// </summary>
    /// <param name="googLeNet">The torchvision GoogLeNet state dict.</param>
    /// <param name="target">The model the result is for; it is not modified. Its input channels decide the stem (see <see cref="ToI3DStateDict(IReadOnlyDictionary{string, Tensor}, int, InflationMode, string?)"/>).</param>
    /// <param name="mode">How kernels are spread over time.</param>
    /// <param name="sourceName">Where the state dict came from, for error messages.</param>
    /// <returns>New float32 CPU tensors by I3D key. The caller owns them.</returns>
    /// <exception cref="InvalidDataException">A key is missing, has an unexpected shape, or does not fit the target's layer; the message names it.</exception>
    public static Dictionary<string, Tensor> ToI3DStateDict(IReadOnlyDictionary<string, Tensor> googLeNet, InceptionI3D target,
        InflationMode mode = InflationMode.RepeatAndDivide, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(googLeNet);
        ArgumentNullException.ThrowIfNull(target);
        string source = sourceName ?? "GoogLeNet state dict";
        Validate(googLeNet, source);
        var units = target.named_modules().Where(m => m.module is Layers.InflatedConv3d)
            .ToDictionary(m => m.name, m => (Layers.InflatedConv3d)m.module, StringComparer.Ordinal);

        using var scope = NewDisposeScope();
        var result = new Dictionary<string, Tensor>();
        foreach (var layer in Layers)
        {
            if (!units.TryGetValue(layer.I3D, out var unit)) continue;
            var w = googLeNet[layer.GoogLeNet + ".conv.weight"].detach().to(ScalarType.Float32, CPU);
            if (layer.I3D == Stem && target.InChannels != layer.In)
                w = Inflation.AverageInputChannels(w, target.InChannels);
            try
            {
                result[layer.I3D + ".conv3d.weight"] = Inflation.InflateConv2dFor(w, unit.Convolution, mode, layer.I3D);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{source}: '{layer.GoogLeNet}.conv.weight' does not fit the model: {e.Message}", e);
            }
            foreach (var bn in BnNames)
                result[$"{layer.I3D}.bn.{bn}"] = Inflation.InflateBatchNorm(
                    googLeNet[$"{layer.GoogLeNet}.bn.{bn}"].detach().to(ScalarType.Float32, CPU));
        }
        foreach (var t in result.Values) t.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>The stem's key prefix, whose input channels are adapted for flow.</summary>
    static string Stem => I3DArchitecture.Reference.Layers[0].Name;

    static void Validate(IReadOnlyDictionary<string, Tensor> sd, string source)
    {
        var expected = new Dictionary<string, long[]>();
        foreach (var l in Layers)
        {
            expected[l.GoogLeNet + ".conv.weight"] = new[] { l.Out, l.In, l.Kernel, l.Kernel };
            foreach (var bn in BnNames) expected[$"{l.GoogLeNet}.bn.{bn}"] = new[] { l.Out };
        }

        var missing = expected.Keys.Where(k => !sd.ContainsKey(k)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{source}: not a torchvision GoogLeNet state dict: {missing.Count} expected key(s) missing, first '{missing[0]}'" +
                (missing.Count > 1 ? $" (also {string.Join(", ", missing.Skip(1).Take(4).Select(k => $"'{k}'"))}{(missing.Count > 5 ? ", …" : "")})" : "") + ".");

        foreach (var (key, shape) in expected)
        {
            var found = sd[key].shape;
            if (!found.SequenceEqual(shape))
                throw new InvalidDataException(
                    $"{source}: key '{key}' has shape [{string.Join(", ", found)}]; GoogLeNet (and I3D) expects [{string.Join(", ", shape)}].");
            if (!sd[key].is_floating_point())
                throw new InvalidDataException($"{source}: key '{key}' has dtype {sd[key].dtype}; expected a floating-point tensor.");
        }

        var unexpected = sd.Keys.Where(k => !expected.ContainsKey(k) && !IsIgnored(k)).ToList();
        if (unexpected.Count > 0)
            throw new InvalidDataException(
                $"{source}: unexpected key '{unexpected[0]}'" + (unexpected.Count > 1 ? $" and {unexpected.Count - 1} more" : "") +
                "; this does not look like torchvision's GoogLeNet.");
    }

    /// <summary>Keys that are in a GoogLeNet state dict but have no I3D counterpart.</summary>
    static bool IsIgnored(string key) =>
        key.StartsWith("aux1.", StringComparison.Ordinal) || key.StartsWith("aux2.", StringComparison.Ordinal)
        || key.StartsWith("fc.", StringComparison.Ordinal) || key.EndsWith(".bn.num_batches_tracked", StringComparison.Ordinal);

    /// <summary>
    /// The map, built from the I3D endpoint table (<see cref="I3DArchitecture.Reference"/>): torchvision names its
    /// convolutions <c>conv1…conv3</c> in order and its blocks <c>inception{stage}{letter}</c>, one letter before I3D's
    /// (whose first letter in a stage goes to the pool), e.g. <c>Mixed_4b</c> ↔ <c>inception4a</c>; inside a block
    /// <c>b0</c>, <c>b1a/b1b</c>, <c>b2a/b2b</c>, <c>b3b</c> are <c>branch1</c>, <c>branch2.0/.1</c>,
    /// <c>branch3.0/.1</c>, <c>branch4.1</c>. GoogLeNet has I3D's widths, so the shapes are the table's.
    /// </summary>
    static List<Layer> BuildLayers()
    {
        var architecture = I3DArchitecture.Reference;
        var convNames = architecture.Layers.Where(l => l.Kind == I3DLayerKind.Conv)
            .Select((l, i) => (l.Name, GoogLeNet: $"conv{i + 1}")).ToDictionary(p => p.Name, p => p.GoogLeNet);
        var branches = new Dictionary<string, string>
        {
            ["b0"] = "branch1", ["b1a"] = "branch2.0", ["b1b"] = "branch2.1",
            ["b2a"] = "branch3.0", ["b2b"] = "branch3.1", ["b3b"] = "branch4.1",
        };
        var layers = new List<Layer>();
        foreach (var (key, shape) in architecture.Units(inChannels: 3))
        {
            var dot = key.IndexOf('.', StringComparison.Ordinal);
            string googLeNet;
            if (dot < 0)
            {
                googLeNet = convNames[key];
            }
            else
            {
                var block = key[..dot]; // Mixed_3b
                googLeNet = $"inception{block[^2]}{(char)(block[^1] - 1)}.{branches[key[(dot + 1)..]]}";
            }
            layers.Add(new Layer(googLeNet, key, shape[0], shape[1], shape[3], shape[2]));
        }
        return layers;
    }
}
