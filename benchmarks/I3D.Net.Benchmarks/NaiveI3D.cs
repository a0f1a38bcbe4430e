using I3D.Net.Layers;
using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// The straightforward port I3D.Net is measured against (the "plain TorchSharp I3D" of the benchmarks issue, and the
/// shape of pytorch-i3d): every TF-SAME convolution and pool pads its input explicitly with a copy first, and
/// BatchNorm and ReLU run as separate passes. It runs the weights of an <see cref="InceptionI3D"/>, so outputs match.
/// </summary>
internal sealed class NaiveI3D : nn.Module<Tensor, Tensor>
{
    private readonly InceptionI3D model;

    public NaiveI3D(InceptionI3D model) : base(nameof(NaiveI3D))
    {
        this.model = model;
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var (_, layer) in model.named_children())
        {
            x = layer switch
            {
                InflatedConv3d unit when unit != model.LogitsLayer => Unit(unit, x),
                MaxPool3dTfSame pool => Pool(pool, x),
                Inception3DBlock block => Block(block, x),
                _ => x,
            };
        }
        long[] kernel = [Math.Min(2, x.shape[2]), Math.Min(7, x.shape[3]), Math.Min(7, x.shape[4])];
        // libtorch's CPU has no bfloat16 avg_pool3d (CUDA has): pool in float32 there, as InceptionI3D does.
        var pooled = x.dtype == ScalarType.BFloat16 && x.device_type == DeviceType.CPU
            ? nn.functional.avg_pool3d(x.to(ScalarType.Float32), kernel, [1, 1, 1]).to(ScalarType.BFloat16)
            : nn.functional.avg_pool3d(x, kernel, [1, 1, 1]);
        var head = model.LogitsLayer!.Convolution;
        return nn.functional.conv3d(pooled, head.weight!, head.bias).mean([2, 3, 4]).MoveToOuterDisposeScope();
    }

    private static long[] FullPadding(Tensor x, (long T, long H, long W) k, (long T, long H, long W) s)
    {
        var (t, h, w) = TfSamePadding.Compute((x.shape[2], x.shape[3], x.shape[4]), k, s);
        return [w.Before, w.After, h.Before, h.After, t.Before, t.After];
    }

    private static Tensor Unit(InflatedConv3d unit, Tensor x)
    {
        var padded = nn.functional.pad(x, FullPadding(x, unit.KernelSize, unit.Stride));
        var y = nn.functional.conv3d(padded, unit.Convolution.weight!, unit.Convolution.bias,
            [unit.Stride.T, unit.Stride.H, unit.Stride.W]);
        if (unit.BatchNorm is { } bn) y = bn.forward(y);
        return unit.HasActivation ? nn.functional.relu(y) : y;
    }

    private static Tensor Pool(MaxPool3dTfSame pool, Tensor x)
    {
        var padded = nn.functional.pad(x, FullPadding(x, pool.KernelSize, pool.Stride), PaddingModes.Constant, double.NegativeInfinity);
        return nn.functional.max_pool3d(padded, [pool.KernelSize.T, pool.KernelSize.H, pool.KernelSize.W],
            [pool.Stride.T, pool.Stride.H, pool.Stride.W]);
    }

    private static Tensor Block(Inception3DBlock block, Tensor x)
    {
        var b = block.named_children().ToDictionary(c => c.name, c => c.module);
        InflatedConv3d U(string name) => (InflatedConv3d)b[name];
        var y3 = Pool(new MaxPool3dTfSame((3, 3, 3), (1, 1, 1)), x);
        return cat([Unit(U("b0"), x), Unit(U("b1b"), Unit(U("b1a"), x)), Unit(U("b2b"), Unit(U("b2a"), x)), Unit(U("b3b"), y3)], 1);
    }
}
