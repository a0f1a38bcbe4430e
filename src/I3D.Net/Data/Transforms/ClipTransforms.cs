using I3D.Net.Data.Sampling;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data.Transforms;

/// <summary>
/// Spatial and value transforms on clip tensors laid out <c>[…, C, T, H, W]</c> (any leading dimensions, e.g. K
/// clips). Each returns a new tensor and leaves its input alone.
/// </summary>
public static class ClipTransforms
{
    /// <summary>The ITU-R BT.601 luma weights, used for saturation jitter.</summary>
    private static readonly float[] Luma = [0.299f, 0.587f, 0.114f];

    /// <summary>Frames from a reader, uint8 <c>[T, H, W, C]</c>, as a float32 clip <c>[C, T, H, W]</c> with the same values (0–255).</summary>
    public static Tensor ToClip(Tensor frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (frames.ndim != 4)
            throw new ArgumentException($"Expected frames [T, H, W, C], found [{string.Join(", ", frames.shape)}].", nameof(frames));
        using var scope = NewDisposeScope();
        return frames.permute(3, 0, 1, 2).to_type(ScalarType.Float32).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Resizes (bilinear) so the shorter spatial side is <paramref name="size"/>, keeping the aspect ratio.</summary>
    public static Tensor ResizeShortSide(Tensor clip, int size)
    {
        CheckClip(clip);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var (h, w) = (clip.shape[^2], clip.shape[^1]);
        var (newH, newW) = ShortSideSize(h, w, size);
        return Resize(clip, newH, newW);
    }

    /// <summary>The (height, width) after resizing the short side of <paramref name="height"/>×<paramref name="width"/> to <paramref name="size"/>.</summary>
    public static (long Height, long Width) ShortSideSize(long height, long width, int size) => height <= width
        ? (size, (long)Math.Round((double)width * size / height))
        : ((long)Math.Round((double)height * size / width), size);

    /// <summary>The start of a crop of <paramref name="size"/> in <paramref name="extent"/> at fraction <paramref name="f"/> of the free range (0.5 = centred).</summary>
    public static long CropOffset(long extent, int size, double f) =>
        f == 0.5 ? (extent - size) / 2 : Math.Min(extent - size, (long)Math.Floor(f * (extent - size + 1)));

    /// <summary>Resizes (bilinear, half-pixel centres as OpenCV) to exactly <paramref name="height"/>×<paramref name="width"/>.</summary>
    public static Tensor Resize(Tensor clip, long height, long width)
    {
        CheckClip(clip);
        if (clip.shape[^2] == height && clip.shape[^1] == width)
            return clip.clone();
        using var scope = NewDisposeScope();
        var shape = clip.shape;
        var planes = clip.to_type(ScalarType.Float32).reshape(1, -1, shape[^2], shape[^1]);
        var resized = nn.functional.interpolate(planes, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        var outShape = shape.ToArray();
        outShape[^2] = height;
        outShape[^1] = width;
        return resized.reshape(outShape).MoveToOuterDisposeScope();
    }

    /// <summary>The central <paramref name="size"/>×<paramref name="size"/> crop.</summary>
    public static Tensor CenterCrop(Tensor clip, int size) => CropAt(clip, size, 0.5, 0.5);

    /// <summary>A random <paramref name="size"/>×<paramref name="size"/> crop.</summary>
    public static Tensor RandomCrop(Tensor clip, int size, ref CounterRandom random) =>
        CropAt(clip, size, random.NextDouble(), random.NextDouble());

    /// <summary>
    /// The crop whose top-left corner is at fraction (<paramref name="fy"/>, <paramref name="fx"/>) of the free range
    /// (0 = top/left, 0.5 = centre, values toward 1 = bottom/right), so RGB and flow of different sizes get the same relative crop.
    /// </summary>
    public static Tensor CropAt(Tensor clip, int size, double fy, double fx)
    {
        CheckClip(clip);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var (h, w) = (clip.shape[^2], clip.shape[^1]);
        if (h < size || w < size)
            throw new ArgumentException($"Cannot crop {size}x{size} from frames of {w}x{h}; resize first (e.g. ResizeShortSide({size})).", nameof(clip));
        var (top, left) = (CropOffset(h, size, fy), CropOffset(w, size, fx));
        using var scope = NewDisposeScope();
        return clip.narrow(-2, top, size).narrow(-1, left, size).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Mirrors left–right. For optical flow (channels x, y) a mirror also reverses horizontal motion, so the x
    /// channel is negated; flow must be in signed pixels or normalised units (not quantised bytes) for this.
    /// </summary>
    public static Tensor HorizontalFlip(Tensor clip, bool isFlow)
    {
        CheckClip(clip);
        using var scope = NewDisposeScope();
        var flipped = clip.flip(-1);
        if (isFlow)
            flipped = NegateFlowX(flipped);
        return flipped.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Negates the x channel of a flow clip <c>[…, 2, T, H, W]</c> (what a mirror does to horizontal motion).</summary>
    public static Tensor NegateFlowX(Tensor flow)
    {
        CheckClip(flow);
        if (flow.shape[^4] != 2)
            throw new ArgumentException($"Expected flow with 2 channels (x, y), found {flow.shape[^4]}.", nameof(flow));
        using var scope = NewDisposeScope();
        var sign = tensor(new float[] { -1, 1 }, [2, 1, 1, 1]).to_type(flow.dtype);
        return flow.mul(sign).MoveToOuterDisposeScope();
    }

    /// <summary>RGB values 0–255 to [-1, 1] (x / 127.5 − 1), as I3D expects.</summary>
    public static Tensor NormalizeRgb(Tensor clip)
    {
        CheckClip(clip);
        using var scope = NewDisposeScope();
        return clip.to_type(ScalarType.Float32).mul(1 / 127.5).sub_(1.0).MoveToOuterDisposeScope();
    }

    /// <summary>Flow in pixels, clipped to ±<paramref name="bound"/> and scaled to [-1, 1], as I3D expects.</summary>
    public static Tensor NormalizeFlow(Tensor flowPixels, double bound = 20)
    {
        CheckClip(flowPixels);
        if (!(bound > 0))
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "Expected a positive flow bound.");
        using var scope = NewDisposeScope();
        return flowPixels.to_type(ScalarType.Float32).clamp(-bound, bound).div_(bound).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Random brightness, contrast and saturation on an RGB clip with values 0–255 (factors drawn uniformly from
    /// [1 − x, 1 + x]; one factor per clip so the video stays temporally consistent). Values stay in 0–255.
    /// </summary>
    public static Tensor ColorJitter(Tensor rgb, double brightness, double contrast, double saturation, ref CounterRandom random)
    {
        CheckClip(rgb);
        if (rgb.shape[^4] != 3)
            throw new ArgumentException($"Colour jitter needs RGB clips (3 channels), found {rgb.shape[^4]}.", nameof(rgb));
        if (brightness < 0 || contrast < 0 || saturation < 0 || brightness > 1 || contrast > 1 || saturation > 1)
            throw new ArgumentOutOfRangeException(nameof(brightness), "Expected jitter strengths in [0, 1].");
        var b = random.NextDouble(1 - brightness, 1 + brightness);
        var c = random.NextDouble(1 - contrast, 1 + contrast);
        var s = random.NextDouble(1 - saturation, 1 + saturation);
        using var scope = NewDisposeScope();
        var x = rgb.to_type(ScalarType.Float32).mul(b);
        var weights = tensor(Luma, [3, 1, 1, 1]);
        var gray = x.mul(weights).sum(-4, keepdim: true);
        var mean = gray.mean([-4, -3, -2, -1], keepdim: true);
        x = x.sub(mean).mul(c).add(mean);
        gray = x.mul(weights).sum(-4, keepdim: true);
        x = x.sub(gray).mul(s).add(gray);
        return x.clamp(0, 255).MoveToOuterDisposeScope();
    }

    private static void CheckClip(Tensor clip)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (clip.ndim < 4)
            throw new ArgumentException($"Expected a clip [C, T, H, W] (or with leading dimensions), found [{string.Join(", ", clip.shape)}].", nameof(clip));
    }
}
