using System.Reflection;
using System.Text.Json;
using Google.Protobuf;
using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using I3D.Net.Onnx.Protobuf;
using static I3D.Net.Onnx.OnnxGraphBuilder;

namespace I3D.Net.Onnx;

/// <summary>
/// Exports I3D.Net's models to ONNX: the graph computes what the model computes in evaluation mode (running BatchNorm
/// statistics, no dropout) for one clip size, with TF-SAME padding written as explicit <c>pads</c> of each Conv and
/// MaxPool (ONNX's MaxPool never lets a padded cell win, as TensorFlow's SAME pooling) and no Pad node.
/// </summary>
/// <remarks>Inputs are named <c>rgb</c> (<c>[B, 3, T, H, W]</c>) and <c>flow</c> (<c>[B, 2, T, H, W]</c>), float32;
/// the output is named by <see cref="OnnxEndpoint.OutputName"/>. A configuration the exporter cannot express exactly
/// is refused with <see cref="NotSupportedException"/>, never exported approximately.</remarks>
public static class OnnxExport
{
    /// <summary>Exports one stream (RGB or flow) to <paramref name="path"/> (written atomically).</summary>
    /// <param name="model">The model; its weights are read, its training mode is ignored.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">Clip size, opset, endpoint and metadata; <see cref="OnnxExportOptions.Default"/> when null.</param>
    public static void Export(InceptionI3D model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = Prepare(options);
        Write(BuildSingle(StreamSpec.From(model, options.FoldBatchNorm), nameof(InceptionI3D), options), path);
    }

    /// <summary>Exports a frozen (BatchNorm-folded) stream to <paramref name="path"/> (written atomically).</summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">Clip size, opset, endpoint and metadata; <see cref="OnnxExportOptions.Default"/> when null.</param>
    public static void Export(FrozenInceptionI3D model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = Prepare(options);
        Write(BuildSingle(StreamSpec.From(model), nameof(FrozenInceptionI3D), options), path);
    }

    /// <summary>
    /// Exports both streams as one graph with inputs <c>rgb</c> and <c>flow</c> (same clip size) and the fused logits
    /// (<see cref="TwoStreamI3D.Fusion"/>), or with <see cref="OnnxEndpoint.PooledFeatures"/> the 2048-d features of
    /// <see cref="TwoStreamI3D.ExtractFeatures"/>. Layer endpoints are refused (a two-stream graph has one output).
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="path">The .onnx file to write.</param>
    /// <param name="options">Clip size, opset, endpoint and metadata; <see cref="OnnxExportOptions.Default"/> when null.</param>
    public static void Export(TwoStreamI3D model, string path, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options = Prepare(options);
        if (options.Endpoint.Kind == OnnxEndpointKind.Layer)
            throw new NotSupportedException(
                $"A two-stream export outputs logits or pooled features, not the layer {options.Endpoint.Layer}; export model.Rgb and model.Flow separately for their feature maps.");
        var rgb = StreamSpec.From(model.Rgb, options.FoldBatchNorm);
        var flow = StreamSpec.From(model.Flow, options.FoldBatchNorm);
        var g = new OnnxGraphBuilder(options.Opset);
        var batch = options.DynamicBatch ? "batch" : null;
        var (rgbOut, _) = EmitStream(g, rgb, Input(g, "rgb", rgb.InChannels, options), "rgb/", options);
        var (flowOut, _) = EmitStream(g, flow, Input(g, "flow", flow.InChannels, options), "flow/", options);
        string output;
        long width;
        if (options.Endpoint.Kind == OnnxEndpointKind.PooledFeatures)
        {
            output = g.Node("Concat", "features_concat", [rgbOut, flowOut], Int("axis", 1));
            width = 2 * InceptionI3D.FeatureChannels;
        }
        else
        {
            width = model.NumClasses;
            output = model.Fusion switch
            {
                StreamFusion.Sum => g.Node("Add", "fusion", [rgbOut, flowOut]),
                StreamFusion.Average => g.Node("Div", "fusion", [g.Node("Add", "fusion_sum", [rgbOut, flowOut]), g.Initializer("two", [2f])]),
                StreamFusion.Learned => Learned(g, model, rgbOut, flowOut),
                _ => throw new NotSupportedException($"Stream fusion {model.Fusion} cannot be exported."),
            };
        }
        var name = options.Endpoint.OutputName;
        g.RenameOutput(output, name);
        g.Graph.Output.Add(TensorValue(name, batch, options.BatchSize, width));
        Write(Finish(g, nameof(TwoStreamI3D), model.NumClasses, options, model.Fusion), path);
    }

    private static string Learned(OnnxGraphBuilder g, TwoStreamI3D model, string rgb, string flow)
    {
        using var weights = model.FusionWeight!.detach().cpu().to(TorchSharp.torch.ScalarType.Float32);
        var w = weights.data<float>().ToArray();
        if (w.Length != 2)
            throw new NotSupportedException($"Learned fusion with {w.Length} weights cannot be exported; expected 2.");
        var a = g.Node("Mul", "fusion_rgb", [rgb, g.Initializer("fusion_weight_rgb", [w[0]])]);
        var b = g.Node("Mul", "fusion_flow", [flow, g.Initializer("fusion_weight_flow", [w[1]])]);
        return g.Node("Add", "fusion", [a, b]);
    }

    private static OnnxExportOptions Prepare(OnnxExportOptions? options)
    {
        options ??= OnnxExportOptions.Default;
        options.Validate();
        return options;
    }

    private static string Input(OnnxGraphBuilder g, string name, int channels, OnnxExportOptions options)
    {
        g.Unique(name);
        g.Graph.Input.Add(TensorValue(name, options.DynamicBatch ? "batch" : null, options.BatchSize, channels, options.Frames, options.Height, options.Width));
        return name;
    }

    private static ModelProto BuildSingle(StreamSpec spec, string modelType, OnnxExportOptions options)
    {
        var g = new OnnxGraphBuilder(options.Opset);
        var inputName = spec.InChannels switch { 3 => "rgb", 2 => "flow", _ => "clip" };
        var (output, dims) = EmitStream(g, spec, Input(g, inputName, spec.InChannels, options), "", options);
        var name = options.Endpoint.OutputName;
        g.RenameOutput(output, name);
        g.Graph.Output.Add(TensorValue(name, options.DynamicBatch ? "batch" : null, [options.BatchSize, .. dims]));
        return Finish(g, modelType, spec.NumClasses, options, null);
    }

    /// <summary>Emits one stream up to the requested endpoint; returns the output and its dims after the batch.</summary>
    private static (string Output, long[] Dims) EmitStream(OnnxGraphBuilder g, StreamSpec spec, string input, string prefix, OnnxExportOptions options)
    {
        var endpoint = options.Endpoint;
        var layerEndpoint = endpoint.Kind == OnnxEndpointKind.Layer;
        var last = layerEndpoint ? endpoint.Layer : endpoint.Kind == OnnxEndpointKind.PooledFeatures ? I3DEndpoint.Mixed_5c : I3DEndpoint.Logits;
        if (last > spec.FinalEndpoint)
            throw new NotSupportedException($"The model is built up to {spec.FinalEndpoint}; the endpoint {endpoint} needs {last}.");

        var x = input;
        long[] shape = [spec.InChannels, options.Frames, options.Height, options.Width];
        foreach (var layer in spec.Layers)
        {
            if (layer.Conv is { } conv) (x, shape) = EmitConv(g, conv, x, shape, prefix);
            else if (layer.Pool is { } pool) (x, shape) = EmitPool(g, pool, x, shape, prefix);
            else (x, shape) = EmitBlock(g, layer.Block!, x, shape, prefix);
            if (layerEndpoint && layer.Endpoint == last) return (x, shape);
        }

        // The head (InceptionI3D.Pool): a VALID 2×7×7 average pool, stride 1, shrunk to the map where it is smaller.
        long[] kernel = [Math.Min(2, shape[1]), Math.Min(7, shape[2]), Math.Min(7, shape[3])];
        var pooled = g.Node("AveragePool", $"{prefix}head/avg_pool", [x], Ints("kernel_shape", kernel), Ints("strides", 1, 1, 1));
        long[] pooledShape = [shape[0], shape[1] - kernel[0] + 1, shape[2] - kernel[1] + 1, shape[3] - kernel[2] + 1];
        if (endpoint.Kind == OnnxEndpointKind.PooledFeatures)
            return (g.ReduceMean($"{prefix}features_mean", pooled, 2, 3, 4), [shape[0]]);
        // Dropout is the identity in evaluation; the logits are averaged over space and then time (one mean here).
        var (logits, _) = EmitConv(g, spec.Logits!, pooled, pooledShape, prefix);
        return (g.ReduceMean($"{prefix}logits_mean", logits, 2, 3, 4), [spec.NumClasses]);
    }

    private static (string, long[]) EmitConv(OnnxGraphBuilder g, ConvSpec conv, string x, long[] shape, string prefix)
    {
        var k = conv.WeightShape;
        if (k[1] != shape[0])
            throw new NotSupportedException($"{conv.Name}: expects {k[1]} input channels, the graph has {shape[0]}.");
        var pads = new long[6];
        var output = new long[4];
        output[0] = k[0];
        for (int d = 0; d < 3; d++)
        {
            long before, after;
            if (conv.Padding is null)
                (before, after) = TfSamePadding.Compute(shape[1 + d], k[2 + d], conv.Stride[d]);
            else
                before = after = conv.Padding[d];
            pads[d] = before;
            pads[3 + d] = after;
            output[1 + d] = (shape[1 + d] + before + after - k[2 + d]) / conv.Stride[d] + 1;
            if (output[1 + d] < 1)
                throw new NotSupportedException($"{conv.Name}: a {shape[1 + d]}-cell input is too small for this layer.");
        }
        var name = prefix + conv.Name;
        var inputs = new List<string> { x, g.Initializer($"{name}/weight", conv.Weight, k) };
        if (conv.Bias is { } bias) inputs.Add(g.Initializer($"{name}/bias", bias, k[0]));
        var y = g.Node("Conv", $"{name}/conv", inputs.ToArray(),
            Ints("kernel_shape", k[2], k[3], k[4]), Ints("strides", conv.Stride), Ints("pads", pads), Ints("dilations", 1, 1, 1), Int("group", 1));
        if (conv.BatchNorm is { } bn)
        {
            y = g.Node("BatchNormalization", $"{name}/bn",
                [y, g.Initializer($"{name}/bn/scale", bn.Scale, k[0]), g.Initializer($"{name}/bn/shift", bn.Shift, k[0]),
                 g.Initializer($"{name}/bn/mean", bn.Mean, k[0]), g.Initializer($"{name}/bn/var", bn.Variance, k[0])],
                Float("epsilon", (float)bn.Epsilon));
        }
        if (conv.Relu)
            y = g.Node("Relu", $"{name}/relu", [y]);
        return (y, output);
    }

    private static (string, long[]) EmitPool(OnnxGraphBuilder g, PoolSpec pool, string x, long[] shape, string prefix)
    {
        var pads = new long[6];
        var output = (long[])shape.Clone();
        for (int d = 0; d < 3; d++)
        {
            var (before, after) = TfSamePadding.Compute(shape[1 + d], pool.Kernel[d], pool.Stride[d]);
            pads[d] = before;
            pads[3 + d] = after;
            output[1 + d] = TfSamePadding.OutputSize(shape[1 + d], pool.Stride[d]);
        }
        // ONNX MaxPool ignores padded cells (they never win), which is TF-SAME max pooling; no Pad node with −∞ needed.
        var y = g.Node("MaxPool", prefix + pool.Name, [x], Ints("kernel_shape", pool.Kernel), Ints("strides", pool.Stride), Ints("pads", pads));
        return (y, output);
    }

    private static (string, long[]) EmitBlock(OnnxGraphBuilder g, BlockSpec block, string x, long[] shape, string prefix)
    {
        string r0, r1, r2;
        if (block.Splits is { } splits)
        {
            var (reduced, _) = EmitConv(g, block.Reductions[0], x, shape, prefix);
            var parts = g.Node("Split", $"{prefix}{block.Name}/split", [reduced, g.Int64Initializer($"{prefix}{block.Name}/split_sizes", splits)], 3, Int("axis", 1));
            (r0, r1, r2) = (parts[0], parts[1], parts[2]);
        }
        else
        {
            r0 = EmitConv(g, block.Reductions[0], x, shape, prefix).Item1;
            r1 = EmitConv(g, block.Reductions[1], x, shape, prefix).Item1;
            r2 = EmitConv(g, block.Reductions[2], x, shape, prefix).Item1;
        }
        var c0 = block.Reductions.Length == 1 ? block.Splits![0] : block.Reductions[0].WeightShape[0];
        var b1b = block.B1b.WeightShape[1];
        var b2b = block.B2b.WeightShape[1];
        var (y1, s1) = EmitConv(g, block.B1b, r1, [b1b, .. shape[1..]], prefix);
        var (y2, s2) = EmitConv(g, block.B2b, r2, [b2b, .. shape[1..]], prefix);
        var (p3, ps) = EmitPool(g, block.B3a, x, shape, prefix);
        var (y3, s3) = EmitConv(g, block.B3b, p3, ps, prefix);
        var y = g.Node("Concat", $"{prefix}{block.Name}/concat", [r0, y1, y2, y3], Int("axis", 1));
        return (y, [c0 + s1[0] + s2[0] + s3[0], .. s1[1..]]);
    }

    private static ModelProto Finish(OnnxGraphBuilder g, string modelType, int numClasses, OnnxExportOptions options, StreamFusion? fusion)
    {
        var model = new ModelProto
        {
            IrVersion = options.Opset <= 18 ? 8 : options.Opset <= 20 ? 9 : 10,
            ProducerName = "I3D.Net.Onnx",
            ProducerVersion = typeof(OnnxExport).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
            DocString = $"I3D ({modelType}) exported by I3D.Net.Onnx for {options.Frames}×{options.Height}×{options.Width} clips.",
            Graph = g.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = options.Opset });

        void Meta(string key, string value) => model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        Meta(OnnxMetadataKeys.ModelType, modelType);
        Meta(OnnxMetadataKeys.ClipSize, $"{options.Frames}x{options.Height}x{options.Width}");
        Meta(OnnxMetadataKeys.Endpoint, options.Endpoint.OutputName);
        if (fusion is { } f) Meta(OnnxMetadataKeys.Fusion, f.ToString());
        if (options.ClassNames is { } names)
        {
            if (names.Count != numClasses)
                throw new ArgumentException($"{nameof(OnnxExportOptions.ClassNames)} has {names.Count} names; the model has {numClasses} classes.");
            Meta(OnnxMetadataKeys.ClassNames, JsonSerializer.Serialize(names));
        }
        Meta(OnnxMetadataKeys.InputConvention, options.InputConvention ??
            "rgb: float32 [B, 3, T, H, W], RGB scaled to [-1, 1]; flow: float32 [B, 2, T, H, W], TV-L1 flow (x, y) clipped to ±20 px and scaled to [-1, 1].");
        if (options.SourceWeights is { } source) Meta(OnnxMetadataKeys.SourceWeights, source);
        if (options.Metadata is { } extra)
            foreach (var (key, value) in extra.OrderBy(e => e.Key, StringComparer.Ordinal)) Meta(key, value);
        return model;
    }

    private static void Write(ModelProto model, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                model.WriteTo(stream);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
