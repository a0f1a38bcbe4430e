using I3D.Net.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Models.Inference;

/// <summary>
/// A frozen, inference-only copy of an <see cref="InceptionI3D"/> (in eval semantics: running BN statistics, no
/// dropout), rearranged for speed: BatchNorm folded into the convolutions, the three 1×1×1 convs that share an
/// Inception block's input fused into one, and optionally channels-last (NDHWC) strides. Same inputs and outputs as
/// the source model, equal up to float rounding (within 1e-4 on the parity fixture).
/// </summary>
/// <remarks>
/// The copy holds derived weights: load and save checkpoints with <see cref="InceptionI3D"/> (the reference layout)
/// and freeze again after changing it. Create it with <see cref="Freeze"/>.
/// </remarks>
public sealed class FrozenInceptionI3D : Module<Tensor, Tensor>
{
    private readonly ModuleList<Module<Tensor, Tensor>> layers;
    private readonly FoldedConv3d? logits;
    private readonly bool channelsLast;

    private FrozenInceptionI3D(InceptionI3D source, bool channelsLast) : base(nameof(FrozenInceptionI3D))
    {
        this.channelsLast = channelsLast;
        InChannels = source.InChannels;
        NumClasses = source.NumClasses;
        FinalEndpoint = source.FinalEndpoint;
        parameterType = source.Layers[0].Layer.parameters().First().dtype;
        layers = new ModuleList<Module<Tensor, Tensor>>();
        foreach (var (_, layer) in source.Layers)
        {
            layers.Add(layer switch
            {
                InflatedConv3d unit => FoldedConv3d.Fold(unit.GetName(), channelsLast, unit),
                Inception3DBlock block => new FrozenInception3DBlock(block, channelsLast),
                MaxPool3dTfSame pool => new MaxPool3dTfSame(pool.KernelSize, pool.Stride, pool.GetName()),
                _ => throw new NotSupportedException($"Unexpected layer {layer.GetType().Name}."),
            });
        }
        if (source.LogitsLayer is { } head)
            logits = FoldedConv3d.Fold("logits", false, head);
        RegisterComponents();
        eval();
    }

    private readonly ScalarType parameterType;

    /// <summary>Creates the frozen copy of <paramref name="model"/> on the model's device and type.</summary>
    /// <param name="model">The model to freeze (unchanged by this call).</param>
    /// <param name="channelsLast">Store weights and activations in NDHWC strides (fastest for cuDNN on recent GPUs;
    /// measure on CPU).</param>
    public static FrozenInceptionI3D Freeze(InceptionI3D model, bool channelsLast = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new FrozenInceptionI3D(model, channelsLast);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; }

    /// <summary>The last layer built.</summary>
    public I3DEndpoint FinalEndpoint { get; }

    /// <summary>Classifies clips <c>[B, C, T, H, W]</c>; returns logits <c>[B, NumClasses]</c> (or the final endpoint's output).</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = Backbone(input);
        if (logits is null)
            return x.contiguous().MoveToOuterDisposeScope();
        return logits.call(InceptionI3D.Pool(x)).mean([2, 3, 4]).MoveToOuterDisposeScope();
    }

    /// <summary>Clip features <c>[B, 1024]</c>, as <see cref="InceptionI3D.ExtractFeatures"/>.</summary>
    /// <param name="input">Clips <c>[B, InChannels, T, H, W]</c>.</param>
    public Tensor ExtractFeatures(Tensor input)
    {
        if (FinalEndpoint < I3DEndpoint.Mixed_5c)
            throw new InvalidOperationException($"This model is built up to {FinalEndpoint}; features need Mixed_5c.");
        using var scope = NewDisposeScope();
        return InceptionI3D.Pool(Backbone(input)).mean([2, 3, 4]).MoveToOuterDisposeScope();
    }

    private Tensor Backbone(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.ndim != 5 || input.shape[1] != InChannels || input.dtype != parameterType
            || input.shape[2] < 1 || input.shape[3] < InceptionI3D.MinimumSpatialSize || input.shape[4] < InceptionI3D.MinimumSpatialSize)
            throw new ArgumentException(
                $"Expected {parameterType} clips [B, {InChannels}, T≥1, H≥{InceptionI3D.MinimumSpatialSize}, W≥{InceptionI3D.MinimumSpatialSize}], found {input.dtype} [{string.Join(", ", input.shape)}].",
                nameof(input));
        var x = channelsLast ? ChannelsLast3d.Apply(input) : input;
        foreach (var layer in layers)
            x = layer.call(x);
        return x;
    }
}
