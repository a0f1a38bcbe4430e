using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// The usual 8-bit storage of optical flow: a displacement d in [-Bound, Bound] pixels is stored as
/// round((d + Bound) / (2·Bound) · 255), so a stored value v means (v / 255) · 2·Bound − Bound pixels.
/// I3D used Bound = 20.
/// </summary>
public static class FlowQuantization
{
    /// <summary>The displacement bound in pixels used by I3D (±20).</summary>
    public const double DefaultBound = 20;

    /// <summary>Dequantises uint8 flow values into float32 pixel displacements (a new tensor).</summary>
    public static Tensor ToPixels(Tensor quantized, double bound = DefaultBound)
    {
        ArgumentNullException.ThrowIfNull(quantized);
        using var asFloat = quantized.to_type(ScalarType.Float32);
        using var scaled = asFloat.mul(2 * bound / 255.0);
        return scaled.sub(bound);
    }

    /// <summary>Quantises pixel displacements into uint8 (clipping to ±<paramref name="bound"/>).</summary>
    public static Tensor FromPixels(Tensor pixels, double bound = DefaultBound)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        using var clipped = pixels.clamp(-bound, bound);
        using var shifted = clipped.add(bound);
        using var scaled = shifted.mul(255.0 / (2 * bound));
        using var rounded = scaled.round();
        return rounded.to_type(ScalarType.Byte);
    }
}
