using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Models;

/// <summary>
/// Two-stream I3D: an <see cref="InceptionI3D"/> on RGB clips <c>[B, 3, T, H, W]</c> and one on optical-flow clips
/// <c>[B, 2, T, H, W]</c>, fused by adding their logits (the reference; see <see cref="StreamFusion"/>).
/// </summary>
/// <remarks>State-dict keys are each stream's keys prefixed <c>rgb.</c> and <c>flow.</c>, plus <c>fusion_weight</c>
/// with <see cref="StreamFusion.Learned"/>. Each stream can be used, trained or loaded on its own.</remarks>
public sealed partial class TwoStreamI3D : Module<Tensor, Tensor, Tensor>
{
    private readonly InceptionI3D rgb;
    private readonly InceptionI3D flow;
    [ComponentName(Name = "fusion_weight")] private readonly Parameter? fusionWeight;

    /// <summary>Creates both streams with freshly initialised weights.</summary>
    /// <param name="numClasses">Number of classes (400 for Kinetics-400).</param>
    /// <param name="options">Options of both streams; the reference's when null. Must end at <see cref="I3DEndpoint.Logits"/>.</param>
    /// <param name="fusion">How logits are fused.</param>
    /// <param name="device">Device for the parameters.</param>
    /// <param name="dtype">Parameter type.</param>
    public TwoStreamI3D(int numClasses = 400, InceptionI3DOptions? options = null, StreamFusion fusion = StreamFusion.Sum,
        Device? device = null, ScalarType? dtype = null)
        : this(new InceptionI3D(numClasses, 3, options, device, dtype), new InceptionI3D(numClasses, 2, options, device, dtype), fusion)
    {
    }

    /// <summary>Combines two existing streams (for example loaded separately).</summary>
    /// <param name="rgb">The RGB stream (3 input channels).</param>
    /// <param name="flow">The flow stream (2 input channels).</param>
    /// <param name="fusion">How logits are fused.</param>
    public TwoStreamI3D(InceptionI3D rgb, InceptionI3D flow, StreamFusion fusion = StreamFusion.Sum) : base(InceptionI3D.InitializeRuntime(nameof(TwoStreamI3D)))
    {
        ArgumentNullException.ThrowIfNull(rgb);
        ArgumentNullException.ThrowIfNull(flow);
        if (rgb.InChannels != 3)
            throw new ArgumentException($"Expected an RGB stream with 3 input channels, found {rgb.InChannels}.", nameof(rgb));
        if (flow.InChannels != 2)
            throw new ArgumentException($"Expected a flow stream with 2 input channels, found {flow.InChannels}.", nameof(flow));
        if (rgb.FinalEndpoint != I3DEndpoint.Logits || flow.FinalEndpoint != I3DEndpoint.Logits)
            throw new ArgumentException("Both streams must be built up to the logits to be fused.");
        if (rgb.NumClasses != flow.NumClasses)
            throw new ArgumentException($"The streams disagree on the number of classes: RGB {rgb.NumClasses}, flow {flow.NumClasses}.");
        if (!Enum.IsDefined(fusion))
            throw new ArgumentOutOfRangeException(nameof(fusion), fusion, "Unknown fusion.");
        this.rgb = rgb;
        this.flow = flow;
        Fusion = fusion;
        if (fusion == StreamFusion.Learned)
        {
            var w = rgb.LogitsLayer!.Convolution.weight!;
            fusionWeight = new Parameter(ones(2, dtype: w.dtype, device: w.device));
        }
        RegisterComponents();
    }

    /// <summary>The RGB stream.</summary>
    public InceptionI3D Rgb => rgb;

    /// <summary>The optical-flow stream.</summary>
    public InceptionI3D Flow => flow;

    /// <summary>How logits are fused.</summary>
    public StreamFusion Fusion { get; }

    /// <summary>Number of classes.</summary>
    public int NumClasses => rgb.NumClasses;

    /// <summary>The learned fusion weights <c>[w_rgb, w_flow]</c>, or null unless <see cref="StreamFusion.Learned"/>.</summary>
    public Parameter? FusionWeight => fusionWeight;

    /// <summary>Classifies paired clips.</summary>
    /// <param name="rgbClips">RGB clips <c>[B, 3, T, H, W]</c> in [-1, 1].</param>
    /// <param name="flowClips">Flow clips <c>[B, 2, T, H, W]</c> in [-1, 1].</param>
    /// <returns>Fused logits <c>[B, NumClasses]</c>.</returns>
    public override Tensor forward(Tensor rgbClips, Tensor flowClips)
    {
        ArgumentNullException.ThrowIfNull(rgbClips);
        ArgumentNullException.ThrowIfNull(flowClips);
        if (rgbClips.ndim >= 1 && flowClips.ndim >= 1 && rgbClips.shape[0] != flowClips.shape[0])
            throw new ArgumentException($"RGB and flow batches differ in size: {rgbClips.shape[0]} vs {flowClips.shape[0]}.");
        using var scope = NewDisposeScope();
        return Fuse(rgb.call(rgbClips), flow.call(flowClips)).MoveToOuterDisposeScope();
    }

    /// <summary>Fuses per-stream logits as this model does.</summary>
    /// <param name="rgbLogits">RGB logits <c>[B, NumClasses]</c>.</param>
    /// <param name="flowLogits">Flow logits <c>[B, NumClasses]</c>.</param>
    public Tensor Fuse(Tensor rgbLogits, Tensor flowLogits) => Fusion switch
    {
        StreamFusion.Sum => rgbLogits + flowLogits,
        StreamFusion.Average => (rgbLogits + flowLogits) / 2,
        _ => rgbLogits * fusionWeight![0] + flowLogits * fusionWeight![1],
    };

    /// <summary>Features of both streams concatenated: <c>[B, 2048]</c> (RGB first).</summary>
    /// <param name="rgbClips">RGB clips <c>[B, 3, T, H, W]</c>.</param>
    /// <param name="flowClips">Flow clips <c>[B, 2, T, H, W]</c>.</param>
    public Tensor ExtractFeatures(Tensor rgbClips, Tensor flowClips)
    {
        using var scope = NewDisposeScope();
        return cat([rgb.ExtractFeatures(rgbClips), flow.ExtractFeatures(flowClips)], 1).MoveToOuterDisposeScope();
    }

    /// <summary>Replaces both streams' logits layers for fine-tuning on <paramref name="numClasses"/> classes.</summary>
    /// <param name="numClasses">The new number of classes.</param>
    public void ReplaceLogits(int numClasses)
    {
        rgb.ReplaceLogits(numClasses);
        flow.ReplaceLogits(numClasses);
    }
}
