using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Layers;

/// <summary>
/// TensorFlow "SAME" padding: the output has <c>ceil(input / stride)</c> cells and the total padding is split so that
/// the extra cell, when the total is odd, goes at the end. PyTorch's own <c>padding="same"</c> differs (it only
/// supports stride 1), which is why the reference weights need this to reproduce DeepMind's numbers.
/// </summary>
public static class TfSamePadding
{
    /// <summary>Padding before and after one dimension of size <paramref name="inputSize"/>.</summary>
    /// <param name="inputSize">Input size along the dimension (≥ 1).</param>
    /// <param name="kernelSize">Kernel size along the dimension (≥ 1).</param>
    /// <param name="stride">Stride along the dimension (≥ 1).</param>
    /// <returns>The cells to pad before and after; <c>after - before</c> is 0 or 1.</returns>
    public static (long Before, long After) Compute(long inputSize, long kernelSize, long stride)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernelSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        long output = (inputSize + stride - 1) / stride;
        long total = Math.Max((output - 1) * stride + kernelSize - inputSize, 0);
        long before = total / 2;
        return (before, total - before);
    }

    /// <summary>The output size of a TF-SAME convolution or pool: <c>ceil(input / stride)</c>.</summary>
    /// <param name="inputSize">Input size along the dimension.</param>
    /// <param name="stride">Stride along the dimension.</param>
    public static long OutputSize(long inputSize, long stride) => (inputSize + stride - 1) / stride;

    /// <summary>Padding for the three dimensions (T, H, W) of a 3D input.</summary>
    /// <param name="input">Input sizes (T, H, W).</param>
    /// <param name="kernel">Kernel sizes (T, H, W).</param>
    /// <param name="stride">Strides (T, H, W).</param>
    /// <returns>(before, after) for T, H and W.</returns>
    public static ((long Before, long After) T, (long Before, long After) H, (long Before, long After) W) Compute(
        (long T, long H, long W) input, (long T, long H, long W) kernel, (long T, long H, long W) stride) =>
        (Compute(input.T, kernel.T, stride.T), Compute(input.H, kernel.H, stride.H), Compute(input.W, kernel.W, stride.W));

    /// <summary>
    /// A 3D convolution with TF-SAME padding computed from <paramref name="input"/>: the symmetric part is passed to the
    /// convolution and only an odd remainder (one zero cell at the end of a dimension) is padded explicitly.
    /// </summary>
    /// <param name="input">Input <c>[B, C, T, H, W]</c>.</param>
    /// <param name="weight">Filters <c>[O, C, kT, kH, kW]</c>.</param>
    /// <param name="bias">Bias <c>[O]</c> or null.</param>
    /// <param name="stride">Strides (T, H, W).</param>
    /// <returns>Output <c>[B, O, ceil(T/sT), ceil(H/sH), ceil(W/sW)]</c>.</returns>
    public static Tensor Conv3d(Tensor input, Tensor weight, Tensor? bias, long[] stride)
    {
        var pad = new long[3];
        var extra = new long[6];
        bool asymmetric = false;
        for (int d = 0; d < 3; d++)
        {
            var (before, after) = Compute(input.shape[2 + d], weight.shape[2 + d], stride[d]);
            pad[d] = before;
            // F.pad lists the last dimension first: (W_before, W_after, H_before, H_after, T_before, T_after).
            extra[(2 - d) * 2 + 1] = after - before;
            asymmetric |= after != before;
        }
        if (!asymmetric)
            return PaddedConv3d(input, weight, bias, stride, pad);
        using var padded = nn.functional.pad(input, extra);
        return PaddedConv3d(padded, weight, bias, stride, pad);
    }

    /// <summary>
    /// <c>conv3d</c> with symmetric zero padding <paramref name="pad"/> (T, H, W). On the CPU in bfloat16 the padding is
    /// applied with <c>F.pad</c> and the convolution runs unpadded: libtorch's CPU bfloat16 conv3d (TorchSharp 0.107)
    /// returns a garbage weight gradient (off by 100 % or more, often ±1e35 or NaN, different on every call) when it
    /// pads an input of depth 2 in time itself, which is what every 3×3×3 unit sees at depth 2 (Mixed_4 of an
    /// 8-frame clip, Mixed_5 of a 16-frame one); the forward and the input gradient are right, and explicit padding
    /// gives the right weight gradient. Zero padding is exact, so the result is the same convolution.
    /// </summary>
    internal static Tensor PaddedConv3d(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] pad)
    {
        if (input.dtype != ScalarType.BFloat16 || input.device_type != DeviceType.CPU || pad.All(p => p == 0))
            return nn.functional.conv3d(input, weight, bias, stride, pad);
        // F.pad lists the last dimension first.
        using var padded = nn.functional.pad(input, [pad[2], pad[2], pad[1], pad[1], pad[0], pad[0]]);
        return nn.functional.conv3d(padded, weight, bias, stride);
    }
}
