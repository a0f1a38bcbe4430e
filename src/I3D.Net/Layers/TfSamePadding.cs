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
}
