using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Turns 2D (image) network parameters into 3D (video) ones: the "inflation" that lets I3D start from ImageNet.
/// All methods return new tensors on the input's device and dtype; inputs are never modified.
/// </summary>
public static class Inflation
{
    /// <summary>
    /// Inflates a 2D convolution kernel <c>[O, I, kH, kW]</c> to a 3D one <c>[O, I, kT, kH, kW]</c>.
    /// </summary>
    /// <param name="weight2d">The 2D kernel, shape <c>[O, I, kH, kW]</c>.</param>
    /// <param name="temporalKernel">The temporal kernel size <c>kT</c> (≥ 1) of the 3D layer it initialises.</param>
    /// <param name="mode">How the kernel is spread over time; see <see cref="InflationMode"/>.</param>
    /// <returns>A new contiguous tensor of shape <c>[O, I, kT, kH, kW]</c>.</returns>
    /// <exception cref="ArgumentException">The kernel is not 4-D or <paramref name="temporalKernel"/> is below 1.</exception>
    public static Tensor InflateConv2d(Tensor weight2d, long temporalKernel, InflationMode mode = InflationMode.RepeatAndDivide)
    {
        ArgumentNullException.ThrowIfNull(weight2d);
        if (weight2d.dim() != 4)
            throw new ArgumentException(
                $"Expected a 2D convolution kernel of shape [O, I, kH, kW]; found shape {ShapeText(weight2d)}.", nameof(weight2d));
        if (temporalKernel < 1)
            throw new ArgumentOutOfRangeException(nameof(temporalKernel), temporalKernel, "The temporal kernel size must be at least 1.");

        using var scope = NewDisposeScope();
        var unsqueezed = weight2d.detach().unsqueeze(2); // [O, I, 1, kH, kW]
        Tensor result = mode switch
        {
            InflationMode.RepeatAndDivide => unsqueezed.repeat(1, 1, temporalKernel, 1, 1).div(temporalKernel),
            InflationMode.Centre => CentreInflate(unsqueezed, temporalKernel),
            _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "Unknown inflation mode."),
        };
        return result.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Inflates a 2D kernel <c>[O, I, kH, kW]</c> for the 3D convolution <paramref name="target"/>: the temporal size is
    /// read from the target's own weight (<c>weight.shape[2]</c>, as mmaction2 does), so any 3D layout works — a 7×7
    /// kernel can become 3×7×7 as well as 7×7×7. The target is not modified.
    /// </summary>
    /// <param name="weight2d">The 2D kernel, shape <c>[O, I, kH, kW]</c>.</param>
    /// <param name="target">The 3D convolution the result is for; its weight is <c>[O, I, kT, kH, kW]</c>.</param>
    /// <param name="mode">How the kernel is spread over time.</param>
    /// <param name="name">The layer's name, for error messages.</param>
    /// <returns>A new contiguous tensor of the target weight's shape, on <paramref name="weight2d"/>'s device and dtype.</returns>
    /// <exception cref="ArgumentException">The kernel is not 4-D, or its <c>[O, I, kH, kW]</c> differ from the target's; the message names both shapes.</exception>
    public static Tensor InflateConv2dFor(Tensor weight2d, TorchSharp.Modules.Conv3d target, InflationMode mode = InflationMode.RepeatAndDivide, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(weight2d);
        ArgumentNullException.ThrowIfNull(target);
        var shape = target.weight!.shape;
        if (weight2d.dim() != 4 || weight2d.shape[0] != shape[0] || weight2d.shape[1] != shape[1] || weight2d.shape[2] != shape[3] || weight2d.shape[3] != shape[4])
            throw new ArgumentException(
                $"{name ?? "Kernel"}: a 2D kernel {ShapeText(weight2d)} does not inflate to the target's [{string.Join(", ", shape)}]; expected [{shape[0]}, {shape[1]}, {shape[3]}, {shape[4]}].",
                nameof(weight2d));
        return InflateConv2d(weight2d, shape[2], mode);
    }

    /// <summary>
    /// Inflates a BatchNorm parameter or statistic (<c>weight</c>, <c>bias</c>, <c>running_mean</c>,
    /// <c>running_var</c>): per-channel values do not depend on the number of spatial axes, so this is a copy.
    /// </summary>
    /// <param name="parameter">A 1-D per-channel tensor <c>[C]</c>.</param>
    /// <returns>A new tensor equal to <paramref name="parameter"/>.</returns>
    /// <exception cref="ArgumentException">The tensor is not 1-D.</exception>
    public static Tensor InflateBatchNorm(Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        if (parameter.dim() != 1)
            throw new ArgumentException(
                $"Expected a per-channel BatchNorm tensor of shape [C]; found shape {ShapeText(parameter)}.", nameof(parameter));
        return parameter.detach().clone();
    }

    /// <summary>
    /// Adapts a first-layer kernel <c>[O, I, ...]</c> to a different number of input channels by averaging over the
    /// existing input channels and replicating the mean <paramref name="inChannels"/> times. I3D's flow stream uses
    /// this to start from the RGB stream's ImageNet kernel with 2 (x, y displacement) input channels.
    /// </summary>
    /// <param name="weight">A convolution kernel with input channels on axis 1 (2-D or 3-D kernel).</param>
    /// <param name="inChannels">The wanted number of input channels (≥ 1).</param>
    /// <returns>A new contiguous kernel <c>[O, inChannels, ...]</c>.</returns>
    /// <exception cref="ArgumentException">The kernel has fewer than 3 dimensions or <paramref name="inChannels"/> is below 1.</exception>
    public static Tensor AverageInputChannels(Tensor weight, long inChannels)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.dim() < 3)
            throw new ArgumentException(
                $"Expected a convolution kernel [O, I, ...]; found shape {ShapeText(weight)}.", nameof(weight));
        if (inChannels < 1)
            throw new ArgumentOutOfRangeException(nameof(inChannels), inChannels, "The number of input channels must be at least 1.");

        using var scope = NewDisposeScope();
        var sizes = weight.shape.ToArray();
        sizes[1] = inChannels;
        var mean = weight.detach().mean(new long[] { 1 }, keepdim: true);
        return mean.expand(sizes).contiguous().MoveToOuterDisposeScope();
    }

    static Tensor CentreInflate(Tensor unsqueezed, long temporalKernel)
    {
        var shape = unsqueezed.shape.ToArray();
        shape[2] = temporalKernel;
        var result = zeros(shape, unsqueezed.dtype, unsqueezed.device);
        result.narrow(2, temporalKernel / 2, 1).copy_(unsqueezed);
        return result;
    }

    internal static string ShapeText(Tensor t) => "[" + string.Join(", ", t.shape) + "]";
}
