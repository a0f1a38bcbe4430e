using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>A small conv3d + batchnorm3d module standing in for "some model" in weight-loading tests.</summary>
internal sealed class TinyConvBnNet : nn.Module<Tensor, Tensor>
{
    private readonly Conv3d conv;
    private readonly BatchNorm3d bn;

    public TinyConvBnNet(int inChannels = 3, int outChannels = 4) : base(nameof(TinyConvBnNet))
    {
        conv = nn.Conv3d(inChannels, outChannels, 3, bias: false);
        bn = nn.BatchNorm3d(outChannels);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => bn.forward(conv.forward(x));
}
