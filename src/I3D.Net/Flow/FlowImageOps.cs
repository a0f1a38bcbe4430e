using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace I3D.Net.Flow;

/// <summary>
/// Batched image operations with the border rules of OpenCV's TV-L1 (<c>tvl1flow.cpp</c>) and of the OpenCV
/// primitives it calls (<c>resize</c>, <c>remap</c>, <c>medianBlur</c>). All take and return <c>[N, C, H, W]</c>
/// float tensors and work on any device.
/// </summary>
internal static class FlowImageOps
{
    /// <summary>Sub-pixel resolution of OpenCV's <c>remap</c> (<c>INTER_TAB_SIZE</c>): map coordinates are rounded to 1/32 pixel.</summary>
    public const double RemapSubpixelSteps = 32;

    /// <summary>
    /// Central differences <c>(I(x+1) − I(x−1)) / 2</c>; at the borders the missing neighbour is the pixel itself,
    /// which gives the half one-sided difference OpenCV's <c>centeredGradient</c> uses there.
    /// </summary>
    public static (Tensor Dx, Tensor Dy) CenteredGradient(Tensor src)
    {
        using var scope = NewDisposeScope();
        long h = src.shape[2], w = src.shape[3];
        var padded = F.pad(src, new long[] { 1, 1, 1, 1 }, PaddingModes.Replicate);
        var dx = (padded.narrow(2, 1, h).narrow(3, 2, w) - padded.narrow(2, 1, h).narrow(3, 0, w)).mul_(0.5);
        var dy = (padded.narrow(2, 2, h).narrow(3, 1, w) - padded.narrow(2, 0, h).narrow(3, 1, w)).mul_(0.5);
        return (dx.MoveToOuterDisposeScope(), dy.MoveToOuterDisposeScope());
    }

    /// <summary>Forward differences <c>I(x+1) − I(x)</c>, zero in the last column (x) and the last row (y).</summary>
    public static (Tensor Dx, Tensor Dy) ForwardGradient(Tensor src)
    {
        using var scope = NewDisposeScope();
        var dx = F.pad(src.diff(dim: 3), new long[] { 0, 1, 0, 0 });
        var dy = F.pad(src.diff(dim: 2), new long[] { 0, 0, 0, 1 });
        return (dx.MoveToOuterDisposeScope(), dy.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Backward-difference divergence <c>v1(x) − v1(x−1) + v2(y) − v2(y−1)</c> with zero outside the image: the
    /// negative adjoint of <see cref="ForwardGradient"/>.
    /// </summary>
    public static Tensor Divergence(Tensor v1, Tensor v2)
    {
        long h = v1.shape[2], w = v1.shape[3];
        var div = v1 + v2;
        using (var left = v1.narrow(3, 0, w - 1))
        using (var target = div.narrow(3, 1, w - 1))
            target.sub_(left);
        using (var up = v2.narrow(2, 0, h - 1))
        using (var target = div.narrow(2, 1, h - 1))
            target.sub_(up);
        return div;
    }

    /// <summary>
    /// Bilinear resize with OpenCV's <c>INTER_LINEAR</c> geometry: destination pixel <c>d</c> samples source
    /// coordinate <c>(d + 0.5) / scale − 0.5</c>, clamped to the image (replicated border), without antialiasing.
    /// </summary>
    /// <param name="src">Images <c>[N, C, H, W]</c>.</param>
    /// <param name="outHeight">Destination height.</param>
    /// <param name="outWidth">Destination width.</param>
    /// <param name="scaleX">Horizontal scale; OpenCV uses the requested factor when one is given, else <c>outWidth / W</c>.</param>
    /// <param name="scaleY">Vertical scale, as <paramref name="scaleX"/>.</param>
    public static Tensor ResizeBilinear(Tensor src, long outHeight, long outWidth, double scaleX, double scaleY)
    {
        using var scope = NewDisposeScope();
        long n = src.shape[0], h = src.shape[2], w = src.shape[3];
        var options = new { dtype = ScalarType.Float32, device = src.device };
        // Source coordinates in pixels, then normalised for align_corners = true (pixel centres at ±1).
        var xs = arange(outWidth, options.dtype, options.device).add_(0.5).div_(scaleX).sub_(0.5);
        var ys = arange(outHeight, options.dtype, options.device).add_(0.5).div_(scaleY).sub_(0.5);
        var gx = w > 1 ? xs.mul_(2.0 / (w - 1)).sub_(1) : zeros_like(xs);
        var gy = h > 1 ? ys.mul_(2.0 / (h - 1)).sub_(1) : zeros_like(ys);
        var grid = stack(new[]
        {
            gx.view(1, outWidth).expand(outHeight, outWidth),
            gy.view(outHeight, 1).expand(outHeight, outWidth),
        }, dim: -1).unsqueeze(0).expand(n, outHeight, outWidth, 2);
        var result = F.grid_sample(src, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: true);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Bicubic backward warp with OpenCV's <c>remap(…, INTER_CUBIC, BORDER_CONSTANT)</c> semantics: output pixel
    /// <c>(x, y)</c> is the Keys cubic (a = −0.75) interpolation of <paramref name="src"/> at
    /// <c>(x + flow_x, y + flow_y)</c>, the coordinate rounded to 1/32 pixel as OpenCV's fixed-point maps do, and
    /// taps outside the image read 0. (TorchSharp's <c>grid_sample</c> offers no bicubic mode, hence the gathers.)
    /// </summary>
    /// <param name="src">Images <c>[N, C, H, W]</c>.</param>
    /// <param name="flow">Displacements <c>[N, 2, H, W]</c> (x, y) in pixels.</param>
    public static Tensor RemapBicubic(Tensor src, Tensor flow)
    {
        using var scope = NewDisposeScope();
        long n = src.shape[0], c = src.shape[1], h = src.shape[2], w = src.shape[3], hw = h * w;
        var device = src.device;
        var col = arange(w, ScalarType.Float32, device).view(1, 1, w);
        var row = arange(h, ScalarType.Float32, device).view(1, h, 1);
        var fixedX = (flow.select(1, 0) + col).mul_(RemapSubpixelSteps).round_();
        var fixedY = (flow.select(1, 1) + row).mul_(RemapSubpixelSteps).round_();
        var baseX = fixedX.div(RemapSubpixelSteps).floor_();
        var baseY = fixedY.div(RemapSubpixelSteps).floor_();
        var fracX = fixedX.sub_(baseX * RemapSubpixelSteps).div_(RemapSubpixelSteps);
        var fracY = fixedY.sub_(baseY * RemapSubpixelSteps).div_(RemapSubpixelSteps);

        var offsets = arange(-1, 3, ScalarType.Float32, device);                            // taps at base-1 … base+2
        var tapX = baseX.reshape(n, hw, 1) + offsets;                                        // [N, HW, 4]
        var tapY = baseY.reshape(n, hw, 1) + offsets;
        var weightX = CubicWeights(fracX.reshape(n, hw)) * (tapX.ge(0) & tapX.lt(w));       // zero outside: BORDER_CONSTANT 0
        var weightY = CubicWeights(fracY.reshape(n, hw)) * (tapY.ge(0) & tapY.lt(h));
        var index = (tapY.clamp(0, h - 1).unsqueeze(-1) * w + tapX.clamp(0, w - 1).unsqueeze(-2))
            .to(ScalarType.Int64).view(n, 1, hw * 16).expand(n, c, hw * 16);                 // [N, C, HW·16]
        var weights = (weightY.unsqueeze(-1) * weightX.unsqueeze(-2)).view(n, 1, hw, 16);
        var taps = src.reshape(n, c, hw).gather(2, index).view(n, c, hw, 16);
        var result = (taps * weights).sum(-1).view(n, c, h, w);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Keys cubic-convolution weights (a = −0.75, as OpenCV's <c>interpolateCubic</c>) of the four taps for a fraction <c>t ∈ [0, 1)</c>.</summary>
    private static Tensor CubicWeights(Tensor t)
    {
        const double a = -0.75;
        var t1 = t + 1;
        var s = 1 - t;
        var w0 = ((a * t1 - 5 * a) * t1 + 8 * a) * t1 - 4 * a;
        var w1 = ((a + 2) * t - (a + 3)) * t * t + 1;
        var w2 = ((a + 2) * s - (a + 3)) * s * s + 1;
        var w3 = 1 - w0 - w1 - w2;
        return stack(new[] { w0, w1, w2, w3 }, dim: -1);
    }

    /// <summary>
    /// Median filter of odd side <paramref name="size"/> on each channel with a replicated border, as OpenCV's
    /// <c>medianBlur</c> does for float images (computed by a <see cref="MedianNetwork"/>).
    /// </summary>
    public static Tensor MedianBlur(Tensor src, int size)
    {
        using var scope = NewDisposeScope();
        int r = size / 2;
        var padded = F.pad(src, new long[] { r, r, r, r }, PaddingModes.Replicate);
        return MedianNetwork.For(size).Apply(padded).MoveToOuterDisposeScope();
    }
}
