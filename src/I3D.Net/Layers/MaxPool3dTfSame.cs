using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Layers;

/// <summary>
/// 3D max pooling with TensorFlow "SAME" padding, where padded cells never win the max (TensorFlow ignores them;
/// zero padding would be wrong after a ReLU-free input or for negative values). Input and output <c>[B, C, T, H, W]</c>.
/// </summary>
/// <remarks>
/// The padding is computed from the input size at each forward pass. Where PyTorch's own pooling windows coincide with
/// TensorFlow's (symmetric padding, or the one extra cell at the end expressible through <c>ceil_mode</c>), no copy of
/// the input is made; otherwise the input is padded with −∞ first.
/// </remarks>
public sealed class MaxPool3dTfSame : ParameterLessModule<Tensor, Tensor>
{
    private readonly long[] kernel;
    private readonly long[] stride;

    /// <summary>Creates the pool.</summary>
    /// <param name="kernelSize">Window size (T, H, W).</param>
    /// <param name="stride">Stride (T, H, W).</param>
    /// <param name="name">Module name.</param>
    public MaxPool3dTfSame((long T, long H, long W) kernelSize, (long T, long H, long W) stride, string name = nameof(MaxPool3dTfSame))
        : base(name)
    {
        kernel = [kernelSize.T, kernelSize.H, kernelSize.W];
        this.stride = [stride.T, stride.H, stride.W];
        if (kernel.Any(k => k < 1) || this.stride.Any(v => v < 1))
            throw new ArgumentException($"Kernel and stride sizes must be positive; found kernel ({string.Join(", ", kernel)}) and stride ({string.Join(", ", this.stride)}).");
    }

    /// <summary>Window size (T, H, W).</summary>
    public (long T, long H, long W) KernelSize => (kernel[0], kernel[1], kernel[2]);

    /// <summary>Stride (T, H, W).</summary>
    public (long T, long H, long W) Stride => (stride[0], stride[1], stride[2]);

    /// <summary>Max-pools <c>[B, C, T, H, W]</c> to <c>[B, C, ceil(T/sT), ceil(H/sH), ceil(W/sW)]</c>.</summary>
    /// <param name="input">Feature maps <c>[B, C, T, H, W]</c>.</param>
    public override Tensor forward(Tensor input)
    {
        if (input.ndim != 5)
            throw new ArgumentException($"{GetName()}: expected input [B, C, T, H, W], found [{string.Join(", ", input.shape)}].", nameof(input));

        var pad = new long[3];
        // F.pad's argument for the full TF-SAME padding, last dimension first: (W_before, W_after, H_…, T_…).
        var full = new long[6];
        bool ceil = false, needsCopy = false;
        for (int d = 0; d < 3; d++)
        {
            long size = input.shape[2 + d];
            var (before, after) = TfSamePadding.Compute(size, kernel[d], stride[d]);
            pad[d] = before;
            full[(2 - d) * 2] = before;
            full[(2 - d) * 2 + 1] = after;
            if (after == before) continue;
            // ceil_mode lets PyTorch add the last, partly outside window; its output size must equal TF's.
            if (before * 2 <= kernel[d] && CeilModeOutput(size, kernel[d], stride[d], before) == TfSamePadding.OutputSize(size, stride[d]))
                ceil = true;
            else
                needsCopy = true;
        }

        // PyTorch requires padding ≤ kernel/2 on each side.
        for (int d = 0; d < 3; d++)
            needsCopy |= pad[d] * 2 > kernel[d];

        if (!needsCopy)
        {
            // Where a dimension is symmetric, ceil_mode must not add a window: check it gives the floor size there.
            bool consistent = true;
            for (int d = 0; d < 3 && ceil; d++)
                consistent &= CeilModeOutput(input.shape[2 + d], kernel[d], stride[d], pad[d]) == TfSamePadding.OutputSize(input.shape[2 + d], stride[d]);
            if (consistent)
                return Pool(input, pad, ceil);
        }

        using var scope = NewDisposeScope();
        var padded = nn.functional.pad(input, full, PaddingModes.Constant, double.NegativeInfinity);
        return Pool(padded, [0, 0, 0], false).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// <c>max_pool3d</c>, on the CPU routed through NDHWC and back: libtorch's CPU kernel is several times slower on
    /// NCDHW (63 ms against 8 ms for the 3×3×3 stride-1 pool at 192×8×28×28, copies included). Stride-1 pools always
    /// go that way; strided ones only when no gradient is recorded, since a training step was not faster with their
    /// backward through NDHWC. Same values and gradients either way.
    /// </summary>
    private Tensor Pool(Tensor x, long[] pad, bool ceil)
    {
        if (x.device_type != DeviceType.CPU || x.shape[1] == 1 || ChannelsLast3d.IsApplied(x) || (stride.Any(s => s != 1) && x.requires_grad))
            return nn.functional.max_pool3d(x, kernel, stride, pad, ceil_mode: ceil);
        using var scope = NewDisposeScope();
        return nn.functional.max_pool3d(ChannelsLast3d.Apply(x), kernel, stride, pad, ceil_mode: ceil).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>PyTorch's pooling output size with <c>ceil_mode</c> and symmetric padding <paramref name="pad"/>.</summary>
    private static long CeilModeOutput(long size, long kernel, long stride, long pad)
    {
        long output = (size + 2 * pad - kernel + stride - 1) / stride + 1;
        // The last window must start inside the input or the left padding.
        if ((output - 1) * stride >= size + pad)
            output--;
        return output;
    }
}
