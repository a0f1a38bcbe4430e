using I3D.Net.Layers;
using I3D.Net.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Models;

/// <summary>
/// One stream of I3D: Inception-v1 with every filter and pool inflated to 3D (Carreira &amp; Zisserman, 2017).
/// Input <c>[B, C, T, H, W]</c> — RGB (C = 3) in [-1, 1], or TV-L1 flow (C = 2) clipped to ±20 px and scaled to
/// [-1, 1]; the reference used 224×224 crops of 25 fps video and 64 or more frames. Output: logits
/// <c>[B, NumClasses]</c>, the mean over time of the per-time logits.
/// </summary>
/// <remarks>
/// <para>Layers and their state-dict keys follow pytorch-i3d so that published checkpoints map one to one:
/// <c>Conv3d_1a_7x7</c>, <c>Conv3d_2b_1x1</c>, <c>Conv3d_2c_3x3</c>, <c>Mixed_3b</c> … <c>Mixed_5c</c> and
/// <c>logits</c>. Padding is TensorFlow "SAME" throughout and BatchNorm epsilon 1e-3, as in the reference.</para>
/// <para>The head is the reference's: a VALID 2×7×7 average pool (stride 1), dropout, a 1×1×1 conv with bias and the
/// mean over time. Clips of any size ≥ 1×32×32 work: where the Mixed_5c map is smaller than 2×7×7 (fewer than 9
/// frames, crops under 224) the pool window shrinks to the map's size along that dimension, and where it is larger
/// than 7×7 spatially (crops over 224) the logits are also averaged over the spatial positions, i.e. the model is
/// applied fully convolutionally. At the standard sizes both rules are inactive and the head is exactly the
/// reference's.</para>
/// </remarks>
public sealed partial class InceptionI3D : Module<Tensor, Tensor>
{
    /// <summary>Channels of the Mixed_5c features of the reference architecture (<see cref="I3DArchitecture.Reference"/>);
    /// a model of another architecture has <see cref="BackboneChannels"/>.</summary>
    public const int FeatureChannels = 1024;

    /// <summary>Channels of this model's Mixed_5c features, which the logits layer reads: <see cref="FeatureChannels"/>
    /// for the reference architecture, the last row's output width for another <see cref="InceptionI3DOptions.Architecture"/>.</summary>
    public long BackboneChannels { get; }

    /// <summary>Smallest height and width accepted (the network's total spatial stride).</summary>
    public const int MinimumSpatialSize = 32;

    private readonly Dropout? dropout;
    private InflatedConv3d? logits;

    // The built layers in order, for the forward pass (an array is not registered as a component: each layer is
    // registered by its endpoint name, which is its state-dict prefix).
    private readonly (I3DEndpoint Endpoint, Module<Tensor, Tensor> Layer)[] layers;

    /// <summary>Creates an I3D stream with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes of the logits layer (400 for Kinetics-400).</param>
    /// <param name="inChannels">Input channels: 3 for RGB, 2 for optical flow.</param>
    /// <param name="options">Further options; the reference's when null.</param>
    /// <param name="device">Device for the parameters (CPU when null).</param>
    /// <param name="dtype">Parameter type (float32 when null).</param>
    public InceptionI3D(int numClasses = 400, int inChannels = 3, InceptionI3DOptions? options = null,
        Device? device = null, ScalarType? dtype = null) : base(InitializeRuntime(nameof(InceptionI3D)))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        options ??= InceptionI3DOptions.Default;
        options.Validate();
        NumClasses = numClasses;
        InChannels = inChannels;
        Options = options;

        double eps = options.BatchNormEpsilon, momentum = options.BatchNormMomentum;
        var architecture = options.Architecture;
        var inputs = architecture.InputChannels(inChannels);
        var built = new List<(I3DEndpoint, Module<Tensor, Tensor>)>();
        for (int i = 0; i < architecture.Layers.Count && architecture.Layers[i].Endpoint <= options.FinalEndpoint; i++)
        {
            var row = architecture.Layers[i];
            Module<Tensor, Tensor> layer = row.Kind switch
            {
                I3DLayerKind.Conv => new InflatedConv3d(inputs[i], row.Widths[0], row.Kernel, row.Stride, batchNormEpsilon: eps,
                    batchNormMomentum: momentum, device: device, dtype: dtype, name: row.Name),
                I3DLayerKind.MaxPool => new MaxPool3dTfSame(row.Kernel, row.Stride, row.Name),
                _ => new Inception3DBlock(inputs[i], row.BranchWidths, eps, momentum, device, dtype, row.Name),
            };
            register_module(row.Name, layer);
            built.Add((row.Endpoint, layer));
        }
        BackboneChannels = architecture.FeatureChannels;
        if (options.FinalEndpoint == I3DEndpoint.Logits)
        {
            dropout = nn.Dropout(options.DropoutProbability);
            logits = CreateLogits(BackboneChannels, numClasses, device, dtype);
        }
        layers = built.ToArray();
        RegisterComponents();
        FuseReductions = options.FuseReductions;
    }

    /// <summary>
    /// Whether every Inception block computes its three input-sharing 1×1×1 convolutions (b0, b1a, b2a) as one
    /// convolution + BatchNorm + ReLU (<see cref="Inception3DBlock.FuseReductions"/>): fewer, larger kernels in
    /// training and inference, with the state dict unchanged. Can be switched at any time.
    /// </summary>
    public bool FuseReductions
    {
        get => layers.Select(l => l.Layer).OfType<Inception3DBlock>().Any(b => b.FuseReductions);
        set
        {
            foreach (var block in layers.Select(l => l.Layer).OfType<Inception3DBlock>()) block.FuseReductions = value;
        }
    }

    /// <summary>Number of classes of the logits layer.</summary>
    public int NumClasses { get; private set; }

    /// <summary>Input channels (3 for RGB, 2 for flow).</summary>
    public int InChannels { get; }

    /// <summary>The options the model was built with.</summary>
    public InceptionI3DOptions Options { get; }

    /// <summary>The last layer built.</summary>
    public I3DEndpoint FinalEndpoint => Options.FinalEndpoint;

    /// <summary>The built layers in order (the head excluded).</summary>
    internal IReadOnlyList<(I3DEndpoint Endpoint, Module<Tensor, Tensor> Layer)> Layers => layers;

    /// <summary>The logits layer (a 1×1×1 conv with bias, <c>logits.conv3d.*</c>), or null when the model stops earlier.</summary>
    public InflatedConv3d? LogitsLayer => logits;

    /// <summary>Classifies clips.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Logits <c>[B, NumClasses]</c>; when <see cref="FinalEndpoint"/> is not
    /// <see cref="I3DEndpoint.Logits"/>, that endpoint's output instead.</returns>
    public override Tensor forward(Tensor input)
    {
        if (FinalEndpoint != I3DEndpoint.Logits)
            return ForwardTo(input, FinalEndpoint);
        using var scope = NewDisposeScope();
        return ForwardPerTime(input).mean([2]).MoveToOuterDisposeScope();
    }

    /// <summary>Per-time logits, before the reference's mean over time.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Logits <c>[B, NumClasses, T']</c>; T' = 7 for 64 frames.</returns>
    public Tensor ForwardPerTime(Tensor input)
    {
        RequireEndpoint(I3DEndpoint.Logits);
        using var scope = NewDisposeScope();
        var pooled = Pool(ForwardTo(input, I3DEndpoint.Mixed_5c));
        var y = logits!.call(dropout!.call(pooled));
        return y.mean([3, 4]).MoveToOuterDisposeScope();
    }

    /// <summary>Clip features: Mixed_5c after the head's average pool, averaged over time and space.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Features <c>[B, BackboneChannels]</c> (1024 for the reference architecture).</returns>
    public Tensor ExtractFeatures(Tensor input)
    {
        using var scope = NewDisposeScope();
        return ExtractFeaturesPerTime(input).mean([2]).MoveToOuterDisposeScope();
    }

    /// <summary>Per-time clip features: Mixed_5c after the head's average pool, averaged over space.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Features <c>[B, BackboneChannels, T']</c>.</returns>
    public Tensor ExtractFeaturesPerTime(Tensor input)
    {
        RequireEndpoint(I3DEndpoint.Mixed_5c);
        using var scope = NewDisposeScope();
        return Pool(ForwardTo(input, I3DEndpoint.Mixed_5c)).mean([3, 4]).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the network up to <paramref name="endpoint"/> and returns that layer's output.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    /// <param name="endpoint">A built endpoint; <see cref="I3DEndpoint.Logits"/> gives <see cref="forward"/>'s logits.</param>
    public Tensor ForwardTo(Tensor input, I3DEndpoint endpoint)
    {
        RequireEndpoint(endpoint);
        if (endpoint == I3DEndpoint.Logits)
            return forward(input); // this model's own body: its hooks belong to call(), which the caller chose not to use
        ValidateInput(input);
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var (name, layer) in layers)
        {
            x = layer.call(x);
            if (name == endpoint) break;
        }
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>Runs the whole network once and returns the output of every built endpoint (the caller disposes them).</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Each endpoint's output in order; <see cref="I3DEndpoint.Logits"/> holds <c>[B, NumClasses]</c>.</returns>
    public IReadOnlyDictionary<I3DEndpoint, Tensor> ForwardEndpoints(Tensor input)
    {
        ValidateInput(input);
        var outputs = new Dictionary<I3DEndpoint, Tensor>();
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var (name, layer) in layers)
        {
            x = layer.call(x);
            outputs[name] = x;
        }
        if (logits is not null)
            outputs[I3DEndpoint.Logits] = logits.call(dropout!.call(Pool(x))).mean([2, 3, 4]);
        foreach (var t in outputs.Values)
            t.MoveToOuterDisposeScope();
        return outputs;
    }

    /// <summary>
    /// Replaces the logits layer with a freshly initialised one of <paramref name="numClasses"/> classes, on the same
    /// device and type, for fine-tuning on a new label set. Create optimizers after calling this.
    /// </summary>
    /// <param name="numClasses">The new number of classes.</param>
    public void ReplaceLogits(int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        RequireEndpoint(I3DEndpoint.Logits);
        var weight = logits!.Convolution.weight!;
        var replacement = CreateLogits(BackboneChannels, numClasses, weight.device, weight.dtype);
        replacement.train(training);
        register_module("logits", null!);
        logits.Dispose();
        logits = replacement;
        register_module("logits", replacement);
        NumClasses = numClasses;
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="input"/> is a clip batch this model accepts.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    public void ValidateInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        string Shape() => $"[{string.Join(", ", input.shape)}]";
        if (input.ndim != 5)
            throw new ArgumentException($"Expected clips [B, {InChannels}, T, H, W] (rank 5), found rank {input.ndim} {Shape()}.", nameof(input));
        if (input.shape[1] != InChannels)
            throw new ArgumentException(
                $"Expected {InChannels} channels ([B, {InChannels}, T, H, W]{(InChannels == 3 ? ", RGB" : InChannels == 2 ? ", flow x/y" : "")}), found {input.shape[1]} in {Shape()}.", nameof(input));
        if (!input.is_floating_point())
            throw new ArgumentException($"Expected a floating-point clip tensor, found {input.dtype} {Shape()}.", nameof(input));
        var parameterType = layers.Length > 0 ? (layers[0].Layer as InflatedConv3d)?.Convolution.weight?.dtype : null;
        if (parameterType is { } pt && input.dtype != pt)
            throw new ArgumentException($"Expected {pt} clips (the model's parameter type), found {input.dtype}; convert with .to({pt}).", nameof(input));
        if (input.shape[0] < 1 || input.shape[2] < 1 || input.shape[3] < MinimumSpatialSize || input.shape[4] < MinimumSpatialSize)
            throw new ArgumentException(
                $"Expected clips of at least [1, {InChannels}, 1, {MinimumSpatialSize}, {MinimumSpatialSize}] (B, C, T, H, W), found {Shape()}.", nameof(input));
    }

    /// <summary>The reference head's VALID 2×7×7 average pool, shrunk to the map where the map is smaller.</summary>
    internal static Tensor Pool(Tensor mixed5c)
    {
        long[] kernel = [Math.Min(2, mixed5c.shape[2]), Math.Min(7, mixed5c.shape[3]), Math.Min(7, mixed5c.shape[4])];
        // libtorch has no bfloat16 avg_pool3d on the CPU (CUDA has one): pool in float32 there and round back.
        if (mixed5c.dtype == ScalarType.BFloat16 && mixed5c.device_type == DeviceType.CPU)
            return nn.functional.avg_pool3d(mixed5c.to(ScalarType.Float32), kernel, [1, 1, 1]).to(ScalarType.BFloat16);
        return nn.functional.avg_pool3d(mixed5c, kernel, [1, 1, 1]);
    }

    private static InflatedConv3d CreateLogits(long featureChannels, int numClasses, Device? device, ScalarType? dtype) =>
        new(featureChannels, numClasses, (1, 1, 1), useBatchNorm: false, useBias: true, activation: false,
            device: device, dtype: dtype, name: "logits");

    /// <summary>Loads the native libraries through <see cref="I3DRuntime"/> before the first native module is made, so a
    /// missing backend or an old libstdc++ is reported as such rather than as TorchSharp's generic load failure.</summary>
    internal static string InitializeRuntime(string name)
    {
        I3DRuntime.Initialize();
        return name;
    }

    private void RequireEndpoint(I3DEndpoint endpoint)
    {
        if (endpoint > FinalEndpoint)
            throw new InvalidOperationException($"This model is built up to {FinalEndpoint}; {endpoint} is not available.");
    }
}
