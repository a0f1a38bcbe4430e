using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.TensorFlow;

/// <summary>The first unit of I3D with pytorch-i3d key names (<c>Conv3d_1a_7x7.conv3d</c>, <c>Conv3d_1a_7x7.bn</c>).</summary>
internal sealed class I3DStem : nn.Module<Tensor, Tensor>
{
    private readonly Unit Conv3d_1a_7x7;

    public I3DStem() : base(nameof(I3DStem))
    {
        Conv3d_1a_7x7 = new Unit();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Conv3d_1a_7x7.forward(x);

    private sealed class Unit : nn.Module<Tensor, Tensor>
    {
        private readonly Conv3d conv3d;
        private readonly BatchNorm3d bn;

        public Unit() : base(nameof(Unit))
        {
            conv3d = nn.Conv3d(3, 64, 7, stride: 2, padding: 3, bias: false);
            bn = nn.BatchNorm3d(64, eps: 1e-3);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x) => bn.forward(conv3d.forward(x));
    }
}
