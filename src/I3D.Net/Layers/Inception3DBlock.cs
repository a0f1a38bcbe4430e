using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Layers;

/// <summary>
/// The inflated Inception module (the reference's <c>Mixed_*</c> blocks): four parallel branches over the same input,
/// concatenated along channels in branch order. Input and output are <c>[B, C, T, H, W]</c>; the output has
/// <see cref="InceptionBranchWidths.OutputChannels"/> channels and the input's T, H and W.
/// </summary>
/// <remarks>State-dict keys: <c>b0</c>, <c>b1a</c>, <c>b1b</c>, <c>b2a</c>, <c>b2b</c>, <c>b3b</c>, each an
/// <see cref="InflatedConv3d"/> (<c>b3a</c> is the parameter-free pool).</remarks>
public sealed class Inception3DBlock : Module<Tensor, Tensor>
{
    private readonly InflatedConv3d b0;
    private readonly InflatedConv3d b1a;
    private readonly InflatedConv3d b1b;
    private readonly InflatedConv3d b2a;
    private readonly InflatedConv3d b2b;
    private readonly MaxPool3dTfSame b3a;
    private readonly InflatedConv3d b3b;

    /// <summary>Creates the block.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="widths">Branch widths.</param>
    /// <param name="batchNormEpsilon">BN epsilon (reference: 1e-3).</param>
    /// <param name="batchNormMomentum">BN momentum in PyTorch's convention (reference: 0.01).</param>
    /// <param name="device">Device for the parameters.</param>
    /// <param name="dtype">Parameter type.</param>
    /// <param name="name">Module name, e.g. <c>Mixed_3b</c>.</param>
    public Inception3DBlock(
        long inChannels,
        InceptionBranchWidths widths,
        double batchNormEpsilon = 1e-3,
        double batchNormMomentum = 0.01,
        Device? device = null,
        ScalarType? dtype = null,
        string name = nameof(Inception3DBlock)) : base(name)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        InChannels = inChannels;
        Widths = widths;

        InflatedConv3d Unit(long cin, long cout, long k, string branch) =>
            new(cin, cout, (k, k, k), batchNormEpsilon: batchNormEpsilon, batchNormMomentum: batchNormMomentum,
                device: device, dtype: dtype, name: $"{name}/{branch}");

        b0 = Unit(inChannels, widths.B0, 1, nameof(b0));
        b1a = Unit(inChannels, widths.B1a, 1, nameof(b1a));
        b1b = Unit(widths.B1a, widths.B1b, 3, nameof(b1b));
        b2a = Unit(inChannels, widths.B2a, 1, nameof(b2a));
        b2b = Unit(widths.B2a, widths.B2b, 3, nameof(b2b));
        b3a = new MaxPool3dTfSame((3, 3, 3), (1, 1, 1), $"{name}/b3a");
        b3b = Unit(inChannels, widths.B3b, 1, nameof(b3b));
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Branch widths.</summary>
    public InceptionBranchWidths Widths { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels => Widths.OutputChannels;

    /// <summary>The branch units in reference order (b0, b1a, b1b, b2a, b2b, b3b), for weight folding and inflation.</summary>
    internal (InflatedConv3d B0, InflatedConv3d B1a, InflatedConv3d B1b, InflatedConv3d B2a, InflatedConv3d B2b, InflatedConv3d B3b) Branches =>
        (b0, b1a, b1b, b2a, b2b, b3b);

    /// <summary>
    /// Compute the three 1×1×1 convolutions that read the block's input (b0, b1a, b2a) as one convolution, one
    /// BatchNorm and one ReLU over their concatenated channels, then split. The parameters and buffers stay the
    /// branches' own (the state dict does not change): their weights are concatenated on every forward, so gradients
    /// reach each branch, and BatchNorm's running statistics are written back to each branch. The result equals the
    /// separate branches' up to float rounding (one larger matrix product sums in another order). Where the three
    /// BatchNorms differ in mode or settings the block runs them separately. The fused path does not run b0, b1a and
    /// b2a as modules, so forward hooks registered on those three units do not fire while this is on (hooks on the
    /// block itself and on b1b, b2b, b3b do).
    /// </summary>
    public bool FuseReductions { get; set; }

    /// <summary>Runs the four branches and concatenates their outputs along channels.</summary>
    /// <param name="input">Feature maps <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Feature maps <c>[B, OutChannels, T, H, W]</c>.</returns>
    public override Tensor forward(Tensor input)
    {
        if (input.ndim != 5 || input.shape[1] != InChannels)
            throw new ArgumentException(
                $"{GetName()}: expected input [B, {InChannels}, T, H, W], found [{string.Join(", ", input.shape)}].", nameof(input));

        using var scope = NewDisposeScope();
        Tensor y0, r1, r2;
        if (FuseReductions && CanFuse())
        {
            var reduced = FusedReductions(input);
            (y0, r1, r2) = (reduced[0], reduced[1], reduced[2]);
        }
        else
        {
            (y0, r1, r2) = (b0.call(input), b1a.call(input), b2a.call(input));
        }
        var y1 = b1b.call(r1);
        var y2 = b2b.call(r2);
        var y3 = b3b.call(b3a.call(input));
        return cat([y0, y1, y2, y3], 1).MoveToOuterDisposeScope();
    }

    private bool CanFuse()
    {
        var first = b0.BatchNorm!;
        foreach (var unit in new[] { b1a, b2a })
        {
            var bn = unit.BatchNorm!;
            if (bn.training != first.training || bn.momentum != first.momentum || bn.eps != first.eps) return false;
        }
        // BatchNorm with a cumulative average (momentum null) depends on each layer's own batch count.
        return first.momentum is not null && new[] { b0, b1a, b2a }.All(u => u.BatchNorm!.running_mean is not null && u.BatchNorm.weight is not null);
    }

    /// <summary>b0, b1a and b2a as one conv + BN + ReLU, split back into the three outputs.</summary>
    private Tensor[] FusedReductions(Tensor input)
    {
        InflatedConv3d[] units = [b0, b1a, b2a];
        var bns = units.Select(u => u.BatchNorm!).ToArray();
        var weight = cat(units.Select(u => u.Convolution.weight!).ToArray(), 0);
        // A 1×1×1 stride-1 convolution has no padding, TF-SAME or otherwise.
        var y = nn.functional.conv3d(input, weight);
        var training = bns[0].training;
        var runningMean = cat(bns.Select(b => b.running_mean!).ToArray(), 0);
        var runningVar = cat(bns.Select(b => b.running_var!).ToArray(), 0);
        y = nn.functional.batch_norm(y, runningMean, runningVar,
            cat(bns.Select(b => (Tensor)b.weight!).ToArray(), 0), cat(bns.Select(b => (Tensor)b.bias!).ToArray(), 0),
            training, bns[0].momentum!.Value, bns[0].eps);
        if (training)
        {
            // batch_norm updated the concatenated copies; each branch keeps its own statistics and batch count.
            using var noGrad = no_grad();
            long offset = 0;
            foreach (var bn in bns)
            {
                var n = bn.running_mean!.shape[0];
                bn.running_mean.copy_(runningMean.narrow(0, offset, n));
                bn.running_var!.copy_(runningVar.narrow(0, offset, n));
                bn.num_batches_tracked?.add_(1);
                offset += n;
            }
        }
        y = nn.functional.relu(y);
        var parts = y.split([Widths.B0, Widths.B1a, Widths.B2a], 1);
        // b0's part goes straight into the block's concatenation; the two reductions feed 3×3×3 convolutions.
        return [parts[0], ChannelsLast3d.DenseChannelSlice(parts[1]), ChannelsLast3d.DenseChannelSlice(parts[2])];
    }
}
