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
        (long newH, long newW) = h <= w ? ((long)size, (long)Math.Round((double)w * size / h)) : ((long)Math.Round((double)h * size / w), (long)size);
        return Resize(clip, newH, newW);
    }

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
        var top = Math.Min(h - size, (long)Math.Floor(fy * (h - size + 1)));
        var left = Math.Min(w - size, (long)Math.Floor(fx * (w - size + 1)));
        if (fy == 0.5 && fx == 0.5)
            (top, left) = ((h - size) / 2, (w - size) / 2);
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
        {
            if (clip.shape[^4] != 2)
                throw new ArgumentException($"Expected flow with 2 channels (x, y), found {clip.shape[^4]}.", nameof(clip));
            var sign = tensor(new float[] { -1, 1 }, [2, 1, 1, 1]).to_type(clip.dtype);
            flipped = flipped.mul(sign);
        }
        return flipped.contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>RGB values 0–255 to [-1, 1] (x / 127.5 − 1), as I3D expects.</summary>
    public static Tensor NormalizeRgb(Tensor clip)
    {
        CheckClip(clip);
        using var scope = NewDisposeScope();
        return clip.to_type(ScalarType.Float32).div(127.5).sub(1.0).MoveToOuterDisposeScope();
    }

    /// <summary>Flow in pixels, clipped to ±<paramref name="bound"/> and scaled to [-1, 1], as I3D expects.</summary>
    public static Tensor NormalizeFlow(Tensor flowPixels, double bound = 20)
    {
        CheckClip(flowPixels);
        if (!(bound > 0))
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "Expected a positive flow bound.");
        using var scope = NewDisposeScope();
        return flowPixels.to_type(ScalarType.Float32).clamp(-bound, bound).div(bound).MoveToOuterDisposeScope();
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
