using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// The 8-bit storage format of flow used by the two-stream literature and mmaction2's extracted-flow datasets:
/// each component is clipped to ±<c>bound</c> pixels and mapped linearly to 0–255,
/// <c>v ↦ round((clamp(v, −bound, bound) + bound) / (2·bound) · 255)</c>.
/// </summary>
public static class FlowQuantization
{
    /// <summary>The customary bound, 20 pixels (the I3D flow stream's input range).</summary>
    public const double DefaultBound = 20;

    /// <summary>Quantises flow (any shape, pixels) to bytes; rounding is half-to-even.</summary>
    /// <param name="flow">Flow in pixels.</param>
    /// <param name="bound">Clipping bound in pixels, &gt; 0.</param>
    /// <returns>A uint8 tensor of the same shape and device.</returns>
    public static Tensor Quantize(Tensor flow, double bound = DefaultBound)
    {
        ArgumentNullException.ThrowIfNull(flow);
        ValidateBound(bound);
        using var scope = NewDisposeScope();
        var bytes = flow.clamp(-bound, bound).add_(bound).mul_(255 / (2 * bound)).round_().to(ScalarType.Byte);
        return bytes.MoveToOuterDisposeScope();
    }

    /// <summary>Maps quantised bytes back to pixels (the centre of each step: <c>b / 255 · 2·bound − bound</c>).</summary>
    /// <param name="bytes">Quantised flow, uint8 (or any numeric type holding 0–255).</param>
    /// <param name="bound">The bound the bytes were written with.</param>
    /// <returns>Float32 flow in pixels.</returns>
    public static Tensor Dequantize(Tensor bytes, double bound = DefaultBound)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ValidateBound(bound);
        using var scope = NewDisposeScope();
        return bytes.to(ScalarType.Float32).mul_(2 * bound / 255).sub_(bound).MoveToOuterDisposeScope();
    }

    private static void ValidateBound(double bound)
    {
        if (!(bound > 0) || !double.IsFinite(bound))
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "Expected a finite flow bound > 0 pixels.");
    }
}
