using I3D.Net.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Models.Inference;

/// <summary>
/// An <see cref="Inception3DBlock"/> for inference: BN folded everywhere, and the three 1×1×1 convs that read the
/// block's input (b0, b1a, b2a) fused into one convolution whose output is split by channel views.
/// </summary>
internal sealed class FrozenInception3DBlock : Module<Tensor, Tensor>
{
    private readonly FoldedConv3d reduce;
    private readonly FoldedConv3d b1b;
    private readonly FoldedConv3d b2b;
    private readonly MaxPool3dTfSame b3a;
    private readonly FoldedConv3d b3b;
    private readonly long c0;
    private readonly long c1;
    private readonly long c2;

    public FrozenInception3DBlock(Inception3DBlock block, bool channelsLast) : base(block.GetName())
    {
        var (u0, u1a, u1b, u2a, u2b, u3b) = block.Branches;
        reduce = FoldedConv3d.Fold("reduce", channelsLast, u0, u1a, u2a);
        b1b = FoldedConv3d.Fold("b1b", channelsLast, u1b);
        b2b = FoldedConv3d.Fold("b2b", channelsLast, u2b);
        b3a = new MaxPool3dTfSame((3, 3, 3), (1, 1, 1), "b3a");
        b3b = FoldedConv3d.Fold("b3b", channelsLast, u3b);
        c0 = u0.OutChannels;
        c1 = u1a.OutChannels;
        c2 = u2a.OutChannels;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var r = reduce.call(input);
        var y0 = r.narrow(1, 0, c0);
        var y1 = b1b.call(ChannelsLast3d.DenseChannelSlice(r.narrow(1, c0, c1)));
        var y2 = b2b.call(ChannelsLast3d.DenseChannelSlice(r.narrow(1, c0 + c1, c2)));
        var y3 = b3b.call(b3a.call(input));
        return cat([y0, y1, y2, y3], 1).MoveToOuterDisposeScope();
    }
}
