using static TorchSharp.torch;

namespace I3D.Net.Weights;

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
/// (I3D gets a fresh logits layer). Each kernel is inflated with its I3D layer's temporal size (7 for 1a, 3 for
/// 3×3, 1 for 1×1); BatchNorm weight, bias and running statistics are copied (both use eps 1e-3).
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
            if (layer.I3D == "Conv3d_1a_7x7" && inChannels != layer.In)
                w = Inflation.AverageInputChannels(w, inChannels);
            result[layer.I3D + ".conv3d.weight"] = Inflation.InflateConv2d(w, layer.TemporalKernel, mode);
            foreach (var bn in BnNames)
                result[$"{layer.I3D}.bn.{bn}"] = Inflation.InflateBatchNorm(
                    googLeNet[$"{layer.GoogLeNet}.bn.{bn}"].detach().to(ScalarType.Float32, CPU));
        }
        foreach (var t in result.Values) t.MoveToOuterDisposeScope();
        return result;
    }

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

    static List<Layer> BuildLayers()
    {
        var layers = new List<Layer>
        {
            new("conv1", "Conv3d_1a_7x7", 64, 3, 7, 7),
            new("conv2", "Conv3d_2b_1x1", 64, 64, 1, 1),
            new("conv3", "Conv3d_2c_3x3", 192, 64, 3, 3),
        };
        // (torchvision block, I3D block, in, b0, b1a, b1b, b2a, b2b, b3b) — widths shared by both networks.
        var blocks = new (string G, string I, long In, long B0, long B1a, long B1b, long B2a, long B2b, long B3b)[]
        {
            ("inception3a", "Mixed_3b", 192, 64, 96, 128, 16, 32, 32),
            ("inception3b", "Mixed_3c", 256, 128, 128, 192, 32, 96, 64),
            ("inception4a", "Mixed_4b", 480, 192, 96, 208, 16, 48, 64),
            ("inception4b", "Mixed_4c", 512, 160, 112, 224, 24, 64, 64),
            ("inception4c", "Mixed_4d", 512, 128, 128, 256, 24, 64, 64),
            ("inception4d", "Mixed_4e", 512, 112, 144, 288, 32, 64, 64),
            ("inception4e", "Mixed_4f", 528, 256, 160, 320, 32, 128, 128),
            ("inception5a", "Mixed_5b", 832, 256, 160, 320, 32, 128, 128),
            ("inception5b", "Mixed_5c", 832, 384, 192, 384, 48, 128, 128),
        };
        foreach (var b in blocks)
        {
            layers.Add(new($"{b.G}.branch1", $"{b.I}.b0", b.B0, b.In, 1, 1));
            layers.Add(new($"{b.G}.branch2.0", $"{b.I}.b1a", b.B1a, b.In, 1, 1));
            layers.Add(new($"{b.G}.branch2.1", $"{b.I}.b1b", b.B1b, b.B1a, 3, 3));
            layers.Add(new($"{b.G}.branch3.0", $"{b.I}.b2a", b.B2a, b.In, 1, 1));
            layers.Add(new($"{b.G}.branch3.1", $"{b.I}.b2b", b.B2b, b.B2a, 3, 3));
            layers.Add(new($"{b.G}.branch4.1", $"{b.I}.b3b", b.B3b, b.In, 1, 1));
        }
        return layers;
    }
}
