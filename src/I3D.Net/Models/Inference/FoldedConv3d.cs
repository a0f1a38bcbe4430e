using I3D.Net.Layers;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Models.Inference;

/// <summary>
/// An <see cref="InflatedConv3d"/> in eval mode with its BatchNorm folded into the convolution: <c>W' = W·γ/√(σ²+ε)</c>,
/// <c>b' = β − μ·γ/√(σ²+ε)</c>. One kernel instead of conv + BN, same result up to float rounding.
/// </summary>
internal sealed class FoldedConv3d : Module<Tensor, Tensor>
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long[] stride;
    private readonly bool relu;

    public FoldedConv3d(Tensor weight, Tensor bias, long[] stride, bool relu, string name) : base(name)
    {
        this.weight = weight;
        this.bias = bias;
        this.stride = stride;
        this.relu = relu;
        RegisterComponents();
    }

    public long OutChannels => weight.shape[0];

    /// <summary>Folds <paramref name="units"/> (which must share their input and kernel) into one convolution whose
    /// output channels are the units' outputs concatenated.</summary>
    public static FoldedConv3d Fold(string name, bool channelsLast, params InflatedConv3d[] units)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var weights = new List<Tensor>();
        var biases = new List<Tensor>();
        foreach (var unit in units)
        {
            if (!unit.UsesTfSamePadding)
                throw new NotSupportedException($"{unit.GetName()}: only TF-SAME units can be folded.");
            var w = unit.Convolution.weight!.detach();
            var b = unit.Convolution.bias?.detach() ?? zeros(w.shape[0], dtype: w.dtype, device: w.device);
            if (unit.BatchNorm is { } bn)
            {
                var scale = bn.weight.detach() / sqrt(bn.running_var!.detach() + bn.eps);
                w = w * scale.view(-1, 1, 1, 1, 1);
                b = bn.bias!.detach() + (b - bn.running_mean!.detach()) * scale;
            }
            weights.Add(w);
            biases.Add(b);
        }
        // contiguous() would restore NCDHW strides, so only the plain layout takes it.
        var weight = channelsLast ? ChannelsLast3d.Apply(cat(weights, 0)) : cat(weights, 0).contiguous();
        var stride = new[] { units[0].Stride.T, units[0].Stride.H, units[0].Stride.W };
        bool relu = units[0].HasActivation;
        return new FoldedConv3d(weight.MoveToOuterDisposeScope(), cat(biases, 0).MoveToOuterDisposeScope(), stride, relu, name);
    }

    public override Tensor forward(Tensor input)
    {
        var y = TfSamePadding.Conv3d(input, weight, bias, stride);
        return relu ? y.relu_() : y;
    }

}
