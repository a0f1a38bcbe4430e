using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Layers;

/// <summary>
/// The unit I3D is made of: a 3D convolution, optionally followed by batch normalisation and ReLU (the reference's
/// <c>Unit3D</c>). Input and output are <c>[B, C, T, H, W]</c>.
/// </summary>
/// <remarks>
/// State-dict keys follow pytorch-i3d so that published checkpoints map one to one: <c>conv3d.weight</c>
/// (<c>[out, in, kT, kH, kW]</c>), <c>conv3d.bias</c> when <c>useBias</c>, and <c>bn.{weight, bias, running_mean,
/// running_var, num_batches_tracked}</c> when batch normalisation is on.
/// With TensorFlow "SAME" padding (the default) the padding is computed from the input size at every forward pass;
/// its symmetric part is given to the convolution itself and only an odd remainder (one cell at the end) costs a copy.
/// </remarks>
public sealed class InflatedConv3d : Module<Tensor, Tensor>
{
    private readonly Conv3d conv3d;
    private readonly BatchNorm3d? bn;
    private readonly long[] kernel;
    private readonly long[] stride;
    private readonly long[]? explicitPadding;
    private readonly bool activation;

    /// <summary>Creates the unit.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels (filters).</param>
    /// <param name="kernelSize">Kernel size (T, H, W).</param>
    /// <param name="stride">Stride (T, H, W); (1, 1, 1) when null.</param>
    /// <param name="padding">Explicit zero padding (T, H, W) on both sides, or null for TensorFlow "SAME" padding.</param>
    /// <param name="useBatchNorm">Whether a BatchNorm3d follows the convolution.</param>
    /// <param name="useBias">Whether the convolution has a bias (the reference uses one only where there is no BN).</param>
    /// <param name="activation">Whether a ReLU follows.</param>
    /// <param name="batchNormEpsilon">BN epsilon; the reference uses 1e-3.</param>
    /// <param name="batchNormMomentum">BN running-statistics momentum in PyTorch's convention (weight of the new batch);
    /// the reference's TensorFlow decay 0.99 is 0.01 here.</param>
    /// <param name="device">Device for the parameters.</param>
    /// <param name="dtype">Parameter type.</param>
    /// <param name="name">Module name.</param>
    public InflatedConv3d(
        long inChannels,
        long outChannels,
        (long T, long H, long W) kernelSize,
        (long T, long H, long W)? stride = null,
        (long T, long H, long W)? padding = null,
        bool useBatchNorm = true,
        bool useBias = false,
        bool activation = true,
        double batchNormEpsilon = 1e-3,
        double batchNormMomentum = 0.01,
        Device? device = null,
        ScalarType? dtype = null,
        string name = nameof(InflatedConv3d)) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        var s = stride ?? (1, 1, 1);
        kernel = [kernelSize.T, kernelSize.H, kernelSize.W];
        this.stride = [s.T, s.H, s.W];
        if (kernel.Any(k => k < 1) || this.stride.Any(v => v < 1))
            throw new ArgumentException($"Kernel and stride sizes must be positive; found kernel ({string.Join(", ", kernel)}) and stride ({string.Join(", ", this.stride)}).");
        if (padding is { } p)
        {
            explicitPadding = [p.T, p.H, p.W];
            if (explicitPadding.Any(v => v < 0))
                throw new ArgumentException($"Padding must be non-negative; found ({string.Join(", ", explicitPadding)}).", nameof(padding));
        }

        InChannels = inChannels;
        OutChannels = outChannels;
        this.activation = activation;
        conv3d = nn.Conv3d(inChannels, outChannels, kernelSize, s, bias: useBias, device: device, dtype: dtype);
        if (useBatchNorm)
            bn = nn.BatchNorm3d(outChannels, eps: batchNormEpsilon, momentum: batchNormMomentum, device: device, dtype: dtype);
        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel size (T, H, W).</summary>
    public (long T, long H, long W) KernelSize => (kernel[0], kernel[1], kernel[2]);

    /// <summary>Stride (T, H, W).</summary>
    public (long T, long H, long W) Stride => (stride[0], stride[1], stride[2]);

    /// <summary>Whether a ReLU follows the convolution (and batch normalisation).</summary>
    public bool HasActivation => activation;

    /// <summary>True when the padding is TensorFlow "SAME" (computed per input), false when explicit.</summary>
    public bool UsesTfSamePadding => explicitPadding is null;

    /// <summary>The convolution (its <c>weight</c> is <c>[out, in, kT, kH, kW]</c>).</summary>
    public Conv3d Convolution => conv3d;

    /// <summary>The batch normalisation, or null when the unit has none.</summary>
    public BatchNorm3d? BatchNorm => bn;

    /// <summary>Applies convolution, batch normalisation and ReLU to <c>[B, C, T, H, W]</c>.</summary>
    /// <param name="input">Clips or feature maps <c>[B, InChannels, T, H, W]</c>.</param>
    /// <returns>Feature maps <c>[B, OutChannels, T', H', W']</c>.</returns>
    public override Tensor forward(Tensor input)
    {
        if (input.ndim != 5 || input.shape[1] != InChannels)
            throw new ArgumentException(
                $"{GetName()}: expected input [B, {InChannels}, T, H, W], found [{string.Join(", ", input.shape)}].", nameof(input));

        using var scope = NewDisposeScope();
        // The convolution runs functionally on conv3d's parameters (TF "SAME" padding depends on the input size), so
        // hooks belong on this unit rather than on its Convolution; its BatchNorm is called as a module.
        var y = explicitPadding is null
            ? TfSamePadding.Conv3d(input, conv3d.weight!, conv3d.bias, stride)
            : TfSamePadding.PaddedConv3d(input, conv3d.weight!, conv3d.bias, stride, explicitPadding);
        if (bn is not null)
            y = bn.call(y);
        if (activation)
            y = nn.functional.relu(y);
        return y.MoveToOuterDisposeScope();
    }
}
