using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using System.Text.RegularExpressions;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Models;

/// <summary>
/// Loads DeepMind's released kinetics-i3d TensorFlow checkpoints (<c>rgb_imagenet</c>, <c>flow_imagenet</c>,
/// <c>rgb_scratch</c>, <c>flow_scratch</c>, <c>rgb_scratch_kin600</c>) as pytorch-i3d state dicts, natively.
/// </summary>
/// <remarks>
/// Names map as <c>[RGB|Flow/inception_i3d/]Mixed_3b/Branch_1/Conv3d_0b_3x3/conv_3d/w</c> → <c>Mixed_3b.b1b.conv3d.weight</c>;
/// conv kernels are permuted from <c>[kT,kH,kW,Cin,Cout]</c> to <c>[Cout,Cin,kT,kH,kW]</c>; <c>batch_norm/beta</c>,
/// <c>moving_mean</c> and <c>moving_variance</c> become <c>bn.bias</c>, <c>bn.running_mean</c> and <c>bn.running_var</c>
/// (the Kinetics-600 checkpoint stores them as <c>[1,1,1,1,C]</c>); Sonnet's BatchNorm has no scale, so
/// <c>bn.weight</c> is 1. In <c>Mixed_5b</c> the second conv of branch 2 is named <c>Conv3d_0a_3x3</c>, not
/// <c>0b</c>. Optimizer slots (<c>…/Momentum</c>) are skipped.
/// </remarks>
public static class KineticsI3DCheckpoint
{
    private static readonly string[] SlotSuffixes = ["/Momentum", "/ExponentialMovingAverage", "/Adam", "/Adam_1", "/RMSProp", "/RMSProp_1"];
    private static readonly HashSet<string> Counters = new(StringComparer.Ordinal) { "global_step", "beta1_power", "beta2_power" };

    /// <summary>Works out the state-dict key and shape of every variable from the index alone.</summary>
    /// <param name="checkpoint">An opened checkpoint.</param>
    /// <returns>The mapping.</returns>
    /// <exception cref="InvalidDataException">A variable is not part of the I3D architecture, has an unexpected rank or type, or two variables map to one key; the message names them.</exception>
    public static KineticsI3DCheckpointMap Map(TensorFlowCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        return Map(checkpoint.Tensors.Select(i => (i.Name, i.DType, TensorFlowDataType.Describe(i.DataType), i.Shape.ToArray())),
            $"TensorFlow checkpoint '{checkpoint.IndexPath}'");
    }

    /// <summary>The same translation from variable names, types and shapes (e.g. of tensors already read).</summary>
    internal static KineticsI3DCheckpointMap Map(IEnumerable<(string Name, ScalarType? DType, string TypeText, long[] Shape)> tensors, string source)
    {
        var variables = new List<KineticsI3DVariable>();
        var skipped = new List<string>();
        var unknown = new List<string>();
        var problems = new List<string>();
        var streams = new HashSet<string>(StringComparer.Ordinal);
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var hasGamma = new HashSet<string>(StringComparer.Ordinal);
        var bnLayers = new List<(string Layer, long Channels)>();

        foreach (var info in tensors)
        {
            if (Counters.Contains(info.Name) || SlotSuffixes.Any(s => info.Name.EndsWith(s, StringComparison.Ordinal)))
            {
                skipped.Add(info.Name);
                continue;
            }

            var match = VariablePattern().Match(info.Name);
            if (!match.Success || !TryLayerKey(match, out var layer))
            {
                unknown.Add(info.Name);
                continue;
            }

            if (match.Groups["stream"].Success)
            {
                streams.Add(match.Groups["stream"].Value);
            }
            else
            {
                streams.Add(string.Empty);
            }

            if (info.DType is not (ScalarType.Float32 or ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float64))
            {
                problems.Add($"'{info.Name}' has type {info.TypeText}, not floating point");
                continue;
            }

            var tf = info.Shape.ToArray();
            var param = match.Groups["param"].Value;
            var isKernel = param == "conv_3d/w";
            string key;
            long[] shape;
            if (isKernel)
            {
                if (tf.Length != 5)
                {
                    problems.Add($"'{info.Name}' has shape {Format(tf)}, expected a 5-D kernel [kT, kH, kW, Cin, Cout]");
                    continue;
                }

                key = layer + ".conv3d.weight";
                shape = [tf[4], tf[3], tf[0], tf[1], tf[2]];
            }
            else
            {
                // Vectors are [C], or [1,1,1,1,C] in the Kinetics-600 checkpoint.
                if (tf.Length == 0 || tf[..^1].Any(d => d != 1))
                {
                    problems.Add($"'{info.Name}' has shape {Format(tf)}, expected a vector [C] or [1, …, 1, C]");
                    continue;
                }

                key = layer + param switch
                {
                    "conv_3d/b" => ".conv3d.bias",
                    "batch_norm/beta" => ".bn.bias",
                    "batch_norm/gamma" => ".bn.weight",
                    "batch_norm/moving_mean" => ".bn.running_mean",
                    _ => ".bn.running_var",
                };
                shape = [tf[^1]];
                if (param == "batch_norm/beta")
                {
                    bnLayers.Add((layer, tf[^1]));
                }
                else if (param == "batch_norm/gamma")
                {
                    hasGamma.Add(layer);
                }
            }

            if (!shapes.TryAdd(key, shape))
            {
                var other = variables.First(v => v.StateDictKey == key).TensorFlowName;
                problems.Add($"'{info.Name}' and '{other}' both map to '{key}'");
                continue;
            }

            variables.Add(new KineticsI3DVariable(info.Name, key, Array.AsReadOnly(tf), Array.AsReadOnly(shape), isKernel));
        }

        if (unknown.Count > 0)
        {
            problems.Insert(0, $"{unknown.Count} variable(s) are not part of the I3D architecture: {string.Join(", ", unknown.Take(20).Select(n => $"'{n}'"))}{(unknown.Count > 20 ? ", …" : string.Empty)}");
        }

        if (streams.Count > 1)
        {
            problems.Add($"it mixes variable scopes ({string.Join(", ", streams.Select(s => s.Length == 0 ? "(none)" : s))}); load one stream's checkpoint at a time");
        }

        if (variables.Count == 0 && problems.Count == 0)
        {
            problems.Add("it holds no I3D variables");
        }

        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{source} is not a kinetics-i3d checkpoint I3D.Net can load: {string.Join("; ", problems)}.");
        }

        foreach (var (layer, channels) in bnLayers)
        {
            if (!hasGamma.Contains(layer))
            {
                shapes[layer + ".bn.weight"] = [channels];
            }

            shapes[layer + ".bn.num_batches_tracked"] = [];
        }

        var stream = streams.Single();
        var numClasses = shapes.TryGetValue("logits.conv3d.weight", out var logits) ? (int)logits[0] : 0;
        var inChannels = shapes.TryGetValue(I3DArchitecture.Reference.Layers[0].Name + ".conv3d.weight", out var first) ? (int)first[1] : 0;
        return new KineticsI3DCheckpointMap(
            stream.Length == 0 ? null : stream,
            numClasses,
            inChannels,
            variables.AsReadOnly(),
            skipped.AsReadOnly(),
            shapes.AsReadOnly());
    }

    /// <summary>Reads a kinetics-i3d checkpoint as a pytorch-i3d state dict on the CPU (float32 unless stored otherwise).</summary>
    /// <param name="path">The checkpoint prefix (<c>model.ckpt</c>), its <c>.index</c> file, or its folder.</param>
    /// <returns>Every key of <see cref="KineticsI3DCheckpointMap.StateDictShapes"/> with its value; the caller owns the tensors.</returns>
    /// <exception cref="FileNotFoundException">The index or a data shard is missing.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt (a checksum fails, a file is truncated) or not an I3D checkpoint; the message names the variable.</exception>
    public static Dictionary<string, Tensor> LoadStateDict(string path) => LoadStateDict(TensorFlowCheckpoint.Open(path));

    /// <summary>Reads an opened kinetics-i3d checkpoint as a pytorch-i3d state dict on the CPU.</summary>
    /// <param name="checkpoint">An opened checkpoint.</param>
    /// <returns>The state dict; the caller owns the tensors.</returns>
    /// <exception cref="FileNotFoundException">A data shard is missing.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt or not an I3D checkpoint; the message names the variable.</exception>
    public static Dictionary<string, Tensor> LoadStateDict(TensorFlowCheckpoint checkpoint)
    {
        var map = Map(checkpoint);
        var raw = checkpoint.ReadAll(map.Variables.Select(v => v.TensorFlowName));
        try
        {
            return ToStateDict(map, raw);
        }
        finally
        {
            foreach (var t in raw.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// Converts variables already read from a checkpoint (in TensorFlow's layout, keyed by variable name; at least
    /// every one of <see cref="KineticsI3DCheckpointMap.Variables"/>) to the pytorch-i3d state dict. The caller keeps
    /// ownership of <paramref name="raw"/>; the result is new tensors.
    /// </summary>
    internal static Dictionary<string, Tensor> ToStateDict(KineticsI3DCheckpointMap map, IReadOnlyDictionary<string, Tensor> raw)
    {
        using var scope = torch.NewDisposeScope();
        var converted = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var variable in map.Variables)
        {
            var value = raw[variable.TensorFlowName];
            converted[variable.StateDictKey] = variable.IsConvKernel
                ? value.permute(4, 3, 0, 1, 2).contiguous()
                : value.reshape(variable.StateDictShape.ToArray()).clone();
        }

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, shape) in map.StateDictShapes)
        {
            var value = converted.TryGetValue(key, out var v)
                ? v
                : key.EndsWith(".num_batches_tracked", StringComparison.Ordinal)
                    ? torch.zeros(shape, ScalarType.Int64)
                    : torch.ones(shape, ScalarType.Float32);
            result[key] = value.MoveToOuterDisposeScope();
        }

        return result;
    }

    /// <summary>Loads a kinetics-i3d checkpoint into a model with pytorch-i3d state-dict keys (an <c>InceptionI3D</c>, or one stream of a two-stream model).</summary>
    /// <param name="module">The model to fill; it may live on any device.</param>
    /// <param name="path">The checkpoint prefix, its <c>.index</c> file, or its folder.</param>
    /// <param name="strict">When <see langword="true"/>, keys the model has and the checkpoint lacks (or vice versa) are an error.</param>
    /// <returns>Which keys were loaded, missing and unexpected.</returns>
    /// <exception cref="FileNotFoundException">The index or a data shard is missing.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt or does not fit the model; nothing is copied and the message names the keys.</exception>
    public static StateDictLoadResult Load(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var checkpoint = TensorFlowCheckpoint.Open(path);
        var stateDict = LoadStateDict(checkpoint);
        try
        {
            return StateDictLoader.Load(module, stateDict, strict, checkpoint.IndexPath);
        }
        finally
        {
            foreach (var t in stateDict.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>
    /// Loads DeepMind's RGB and flow checkpoints into the two streams of a <see cref="TwoStreamI3D"/>. Both are read
    /// and checked against their stream before either is copied, so a bad flow checkpoint leaves the RGB stream unchanged.
    /// </summary>
    /// <param name="model">The two-stream model.</param>
    /// <param name="rgbPath">The RGB checkpoint (e.g. <c>rgb_imagenet/model.ckpt</c>): prefix, <c>.index</c> file or folder.</param>
    /// <param name="flowPath">The flow checkpoint (e.g. <c>flow_imagenet/model.ckpt</c>).</param>
    /// <param name="strict">When <see langword="true"/>, missing or unexpected keys are an error.</param>
    /// <returns>The load results of the RGB and the flow stream.</returns>
    /// <exception cref="FileNotFoundException">An index or data shard is missing.</exception>
    /// <exception cref="InvalidDataException">A checkpoint is corrupt, belongs to the other stream, or does not fit its stream; nothing is copied.</exception>
    public static (StateDictLoadResult Rgb, StateDictLoadResult Flow) Load(TwoStreamI3D model, string rgbPath, string flowPath, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        var rgb = TensorFlowCheckpoint.Open(rgbPath);
        var flow = TensorFlowCheckpoint.Open(flowPath);
        CheckStream(Map(rgb), rgb, "RGB", "flowPath");
        CheckStream(Map(flow), flow, "Flow", "rgbPath");

        var rgbState = LoadStateDict(rgb);
        var flowState = LoadStateDict(flow);
        try
        {
            StateDictLoader.Check(model.Rgb, rgbState, strict, rgb.IndexPath);
            StateDictLoader.Check(model.Flow, flowState, strict, flow.IndexPath);
            return (StateDictLoader.Load(model.Rgb, rgbState, strict, rgb.IndexPath), StateDictLoader.Load(model.Flow, flowState, strict, flow.IndexPath));
        }
        finally
        {
            foreach (var t in rgbState.Values.Concat(flowState.Values))
            {
                t.Dispose();
            }
        }
    }

    private static void CheckStream(KineticsI3DCheckpointMap map, TensorFlowCheckpoint checkpoint, string expected, string otherParameter)
    {
        if (map.Stream is { } stream && stream != expected)
        {
            throw new InvalidDataException(
                $"TensorFlow checkpoint '{checkpoint.IndexPath}' holds the {stream} stream, but was given as the {expected} checkpoint; pass it as {otherParameter}.");
        }
    }

    /// <summary>The pytorch-i3d key of a kinetics-i3d variable name, or <see langword="null"/> when it is not a model variable.</summary>
    /// <param name="tensorFlowName">A variable name such as <c>RGB/inception_i3d/Mixed_5b/Branch_2/Conv3d_0a_3x3/batch_norm/beta</c>.</param>
    /// <returns>The key, e.g. <c>Mixed_5b.b2b.bn.bias</c>.</returns>
    public static string? MapName(string tensorFlowName)
    {
        ArgumentNullException.ThrowIfNull(tensorFlowName);
        var match = VariablePattern().Match(tensorFlowName);
        if (!match.Success || !TryLayerKey(match, out var layer))
        {
            return null;
        }

        return layer + match.Groups["param"].Value switch
        {
            "conv_3d/w" => ".conv3d.weight",
            "conv_3d/b" => ".conv3d.bias",
            "batch_norm/beta" => ".bn.bias",
            "batch_norm/gamma" => ".bn.weight",
            "batch_norm/moving_mean" => ".bn.running_mean",
            _ => ".bn.running_var",
        };
    }

    private static bool TryLayerKey(Match match, out string layer)
    {
        layer = string.Empty;
        if (match.Groups["stem"].Success)
        {
            layer = match.Groups["stem"].Value;
            return true;
        }

        if (match.Groups["logits"].Success)
        {
            layer = "logits";
            return true;
        }

        var branch = (match.Groups["branch"].Value, match.Groups["conv"].Value) switch
        {
            ("0", "Conv3d_0a_1x1") => "b0",
            ("1", "Conv3d_0a_1x1") => "b1a",
            ("1", "Conv3d_0b_3x3") => "b1b",
            ("2", "Conv3d_0a_1x1") => "b2a",
            ("2", "Conv3d_0b_3x3") => "b2b",
            ("2", "Conv3d_0a_3x3") => "b2b", // the reference names Mixed_5b's branch-2 3x3 conv "0a"
            ("3", "Conv3d_0b_1x1") => "b3b",
            _ => null,
        };
        if (branch is null)
        {
            return false;
        }

        layer = $"{match.Groups["block"].Value}.{branch}";
        return true;
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";

    /// <summary>
    /// The kinetics-i3d variable names, built from the I3D endpoint table (<see cref="I3DArchitecture.Reference"/>):
    /// its Conv rows are the stem names, its Inception rows the <c>Mixed_*</c> blocks, under an optional
    /// <c>RGB/inception_i3d/</c> or <c>Flow/inception_i3d/</c> scope.
    /// </summary>
    private static readonly Regex Variables = BuildPattern(I3DArchitecture.Reference);

    private static Regex VariablePattern() => Variables;

    private static Regex BuildPattern(I3DArchitecture architecture)
    {
        string Names(I3DLayerKind kind) => string.Join("|", architecture.Layers.Where(l => l.Kind == kind).Select(l => Regex.Escape(l.Name)));
        return new Regex(
            $@"^(?:(?<stream>RGB|Flow)/inception_i3d/)?(?:(?<stem>{Names(I3DLayerKind.Conv)})|(?<block>{Names(I3DLayerKind.Inception)})/Branch_(?<branch>[0-3])/(?<conv>Conv3d_0[abc]_[13]x[13])|(?<logits>Logits/Conv3d_0c_1x1))/(?<param>conv_3d/[wb]|batch_norm/(?:beta|gamma|moving_mean|moving_variance))$",
            RegexOptions.CultureInvariant | RegexOptions.Compiled);
    }
}
