using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Onnx;

/// <summary>BatchNorm in inference form: <c>(x − mean) / sqrt(var + eps) · scale + shift</c>.</summary>
internal sealed record BatchNormSpec(float[] Scale, float[] Shift, float[] Mean, float[] Variance, double Epsilon);

/// <summary>A convolution with its optional BatchNorm and ReLU; <see cref="Padding"/> null means TF-SAME.</summary>
internal sealed record ConvSpec(string Name, float[] Weight, long[] WeightShape, float[]? Bias, BatchNormSpec? BatchNorm,
    long[] Stride, long[]? Padding, bool Relu);

/// <summary>A max pool with TF-SAME padding.</summary>
internal sealed record PoolSpec(string Name, long[] Kernel, long[] Stride);

/// <summary>One layer of the backbone: exactly one of the members is set.</summary>
internal sealed record LayerSpec(I3DEndpoint Endpoint, ConvSpec? Conv = null, PoolSpec? Pool = null, BlockSpec? Block = null);

/// <summary>An Inception block. <see cref="Reductions"/> holds b0, b1a and b2a, or one convolution of all three
/// (their filters concatenated) whose output is split into <see cref="Splits"/>.</summary>
internal sealed record BlockSpec(string Name, ConvSpec[] Reductions, long[]? Splits, ConvSpec B1b, ConvSpec B2b, PoolSpec B3a, ConvSpec B3b);

/// <summary>One I3D stream as plain arrays, read from a TorchSharp model.</summary>
internal sealed record StreamSpec(int InChannels, int NumClasses, I3DEndpoint FinalEndpoint, IReadOnlyList<LayerSpec> Layers, ConvSpec? Logits)
{
    /// <summary>Reads <paramref name="model"/>'s layers; with <paramref name="fold"/>, BatchNorm is folded into the
    /// convolutions exactly as <see cref="FrozenInceptionI3D"/> folds it.</summary>
    public static StreamSpec From(InceptionI3D model, bool fold)
    {
        RequireFloat32(model.parameters().Concat(model.buffers()), nameof(InceptionI3D));
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        var layers = new List<LayerSpec>();
        foreach (var endpoint in Enum.GetValues<I3DEndpoint>().Where(e => e < I3DEndpoint.Logits && e <= model.FinalEndpoint))
        {
            if (!children.TryGetValue(endpoint.ToString(), out var layer))
                throw new NotSupportedException($"InceptionI3D has no layer {endpoint}; this exporter does not know the model's layout.");
            layers.Add(layer switch
            {
                InflatedConv3d unit => new LayerSpec(endpoint, Conv: Conv(unit, endpoint.ToString(), fold)),
                MaxPool3dTfSame pool => new LayerSpec(endpoint, Pool: Pool(pool, endpoint.ToString())),
                Inception3DBlock block => new LayerSpec(endpoint, Block: Block(block, endpoint.ToString(), fold)),
                _ => throw new NotSupportedException($"Layer {endpoint} is a {layer.GetType().Name}, which the exporter does not know."),
            });
        }
        var logits = model.LogitsLayer is { } head ? Conv(head, "logits", fold) : null;
        return new StreamSpec(model.InChannels, model.NumClasses, model.FinalEndpoint, layers, logits);
    }

    /// <summary>Reads a frozen (BatchNorm-folded) model through its buffers: <c>layers.{i}.weight</c>/<c>bias</c>,
    /// blocks' <c>reduce</c>, <c>b1b</c>, <c>b2b</c>, <c>b3b</c> and <c>logits</c>.</summary>
    public static StreamSpec From(FrozenInceptionI3D model)
    {
        var buffers = model.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        RequireFloat32(buffers.Values, nameof(FrozenInceptionI3D));
        var layerList = model.named_children().FirstOrDefault(c => c.name == "layers").module as ModuleList<nn.Module<Tensor, Tensor>>
            ?? throw new NotSupportedException("FrozenInceptionI3D has no 'layers' list; this exporter does not know the model's layout.");
        Tensor Buffer(string key) => buffers.TryGetValue(key, out var t) ? t
            : throw new NotSupportedException($"FrozenInceptionI3D has no buffer '{key}'; this exporter does not know the model's layout.");
        ConvSpec Folded(string prefix, string name, long stride, bool relu) =>
            Spec(name, Buffer($"{prefix}.weight"), Buffer($"{prefix}.bias"), null, [stride, stride, stride], null, relu);

        var layers = new List<LayerSpec>();
        var endpoints = Enum.GetValues<I3DEndpoint>().Where(e => e < I3DEndpoint.Logits && e <= model.FinalEndpoint).ToArray();
        if (layerList.Count != endpoints.Length)
            throw new NotSupportedException($"FrozenInceptionI3D has {layerList.Count} layers where {endpoints.Length} were expected up to {model.FinalEndpoint}.");
        for (int i = 0; i < endpoints.Length; i++)
        {
            var endpoint = endpoints[i];
            var name = endpoint.ToString();
            var layer = layerList[i];
            if (layer is MaxPool3dTfSame pool)
            {
                layers.Add(new LayerSpec(endpoint, Pool: Pool(pool, name)));
            }
            else if (name.StartsWith("Conv3d", StringComparison.Ordinal))
            {
                // The stem's only strided convolution is Conv3d_1a_7x7 (stride 2), as in InceptionI3D.
                layers.Add(new LayerSpec(endpoint, Conv: Folded($"layers.{i}", name, endpoint == I3DEndpoint.Conv3d_1a_7x7 ? 2 : 1, true)));
            }
            else if (name.StartsWith("Mixed", StringComparison.Ordinal))
            {
                var p = $"layers.{i}";
                var reduce = Folded($"{p}.reduce", $"{name}/reduce", 1, true);
                var b1b = Folded($"{p}.b1b", $"{name}/b1b", 1, true);
                var b2b = Folded($"{p}.b2b", $"{name}/b2b", 1, true);
                var b3b = Folded($"{p}.b3b", $"{name}/b3b", 1, true);
                var b3a = layer.named_children().Select(c => c.module).OfType<MaxPool3dTfSame>().SingleOrDefault()
                    ?? throw new NotSupportedException($"FrozenInceptionI3D block {name} has no max pool.");
                long c1 = b1b.WeightShape[1], c2 = b2b.WeightShape[1], c0 = reduce.WeightShape[0] - c1 - c2;
                if (c0 < 1)
                    throw new NotSupportedException($"FrozenInceptionI3D block {name}: reduction widths do not add up.");
                layers.Add(new LayerSpec(endpoint, Block: new BlockSpec(name, [reduce], [c0, c1, c2], b1b, b2b, Pool(b3a, $"{name}/b3a"), b3b)));
            }
            else
            {
                throw new NotSupportedException($"FrozenInceptionI3D layer {name} is not one the exporter knows.");
            }
        }
        var logits = model.FinalEndpoint == I3DEndpoint.Logits ? Folded("logits", "logits", 1, false) : null;
        return new StreamSpec(model.InChannels, model.NumClasses, model.FinalEndpoint, layers, logits);
    }

    private static BlockSpec Block(Inception3DBlock block, string name, bool fold)
    {
        var units = block.named_children().ToDictionary(c => c.name, c => c.module);
        InflatedConv3d Unit(string key) => units.TryGetValue(key, out var m) && m is InflatedConv3d u ? u
            : throw new NotSupportedException($"Inception block {name} has no unit {key}.");
        var pool = units.TryGetValue("b3a", out var p) && p is MaxPool3dTfSame mp ? mp
            : throw new NotSupportedException($"Inception block {name} has no max pool b3a.");
        var reductions = new[] { Conv(Unit("b0"), $"{name}/b0", fold), Conv(Unit("b1a"), $"{name}/b1a", fold), Conv(Unit("b2a"), $"{name}/b2a", fold) };
        long[]? splits = null;
        if (fold && reductions.All(r => r.BatchNorm is null && r.Relu && r.Padding is null && r.Stride.All(s => s == 1)))
        {
            // One convolution for the three 1×1×1 reductions that share the input (as FrozenInceptionI3D runs them).
            splits = reductions.Select(r => r.WeightShape[0]).ToArray();
            var shape = (long[])reductions[0].WeightShape.Clone();
            shape[0] = splits.Sum();
            reductions =
            [
                new ConvSpec($"{name}/reduce", reductions.SelectMany(r => r.Weight).ToArray(), shape,
                    reductions.SelectMany(r => r.Bias ?? new float[r.WeightShape[0]]).ToArray(), null, reductions[0].Stride, null, true),
            ];
        }
        return new BlockSpec(name, reductions, splits, Conv(Unit("b1b"), $"{name}/b1b", fold), Conv(Unit("b2b"), $"{name}/b2b", fold),
            Pool(pool, $"{name}/b3a"), Conv(Unit("b3b"), $"{name}/b3b", fold));
    }

    private static PoolSpec Pool(MaxPool3dTfSame pool, string name) =>
        new(name, [pool.KernelSize.T, pool.KernelSize.H, pool.KernelSize.W], [pool.Stride.T, pool.Stride.H, pool.Stride.W]);

    private static ConvSpec Conv(InflatedConv3d unit, string name, bool fold)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var conv = unit.Convolution;
        if (conv.groups != 1 || conv.dilation.Any(d => d != 1))
            throw new NotSupportedException($"{name}: grouped or dilated convolutions are not exported.");
        long[] stride = [unit.Stride.T, unit.Stride.H, unit.Stride.W];
        long[]? padding = unit.UsesTfSamePadding ? null : conv.padding?.ToArray();
        if (!unit.UsesTfSamePadding && padding is not { Length: 3 })
            throw new NotSupportedException($"{name}: explicit padding of an unknown form.");
        var w = conv.weight!.detach();
        var b = conv.bias?.detach();
        BatchNormSpec? bnSpec = null;
        if (unit.BatchNorm is { } bn)
        {
            if (bn.running_mean is null || bn.running_var is null || bn.weight is null || bn.bias is null)
                throw new NotSupportedException($"{name}: BatchNorm without running statistics or affine parameters is not exported.");
            if (fold)
            {
                // The same arithmetic as FrozenInceptionI3D's FoldedConv3d, so both exports agree bit for bit.
                var scale = bn.weight.detach() / sqrt(bn.running_var.detach() + bn.eps);
                w = w * scale.view(-1, 1, 1, 1, 1);
                b = bn.bias.detach() + ((b ?? zeros(w.shape[0], dtype: w.dtype, device: w.device)) - bn.running_mean.detach()) * scale;
            }
            else
            {
                bnSpec = new BatchNormSpec(Values(bn.weight), Values(bn.bias), Values(bn.running_mean), Values(bn.running_var), bn.eps);
            }
        }
        return Spec(name, w, b, bnSpec, stride, padding, unit.HasActivation);
    }

    private static ConvSpec Spec(string name, Tensor weight, Tensor? bias, BatchNormSpec? bn, long[] stride, long[]? padding, bool relu)
    {
        if (weight.ndim != 5)
            throw new NotSupportedException($"{name}: expected a 5-d convolution weight, found [{string.Join(", ", weight.shape)}].");
        return new ConvSpec(name, Values(weight), weight.shape, bias is null ? null : Values(bias), bn, stride, padding, relu);
    }

    private static float[] Values(Tensor t)
    {
        using var c = t.detach().cpu().contiguous();
        return c.data<float>().ToArray();
    }

    private static void RequireFloat32(IEnumerable<Tensor> tensors, string model)
    {
        foreach (var t in tensors)
        {
            if (t.is_floating_point() && t.dtype != ScalarType.Float32)
                throw new NotSupportedException($"ONNX export needs a float32 {model}; found {t.dtype} parameters. Convert the model with .to(ScalarType.Float32) first.");
        }
    }
}
