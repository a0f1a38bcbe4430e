using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>Argument checks shared by the optical-flow methods.</summary>
internal static class FrameValidation
{
    /// <summary>Throws a clear <see cref="ArgumentException"/> unless both tensors are matching <c>[N, H, W]</c> float frames.</summary>
    public static void ValidatePair(Tensor previous, Tensor next, long minimumSide)
    {
        ArgumentNullException.ThrowIfNull(previous);
        ArgumentNullException.ThrowIfNull(next);
        if (previous.ndim != 3)
            throw new ArgumentException($"Expected grayscale frames [N, H, W], found shape [{string.Join(", ", previous.shape)}].", nameof(previous));
        if (!previous.shape.SequenceEqual(next.shape))
            throw new ArgumentException(
                $"Expected next frames of the same shape as the previous ones [{string.Join(", ", previous.shape)}], found [{string.Join(", ", next.shape)}].",
                nameof(next));
        if (!previous.is_floating_point() || !next.is_floating_point())
            throw new ArgumentException(
                $"Expected floating-point frames with values 0–255, found {previous.dtype} and {next.dtype}.", nameof(previous));
        if (previous.device_type != next.device_type || previous.device_index != next.device_index)
            throw new ArgumentException($"Expected both frame tensors on one device, found {previous.device} and {next.device}.", nameof(next));
        if (previous.shape[0] < 1)
            throw new ArgumentException("Expected at least one frame pair, found N = 0.", nameof(previous));
        if (previous.shape[1] < minimumSide || previous.shape[2] < minimumSide)
            throw new ArgumentException(
                $"Expected frames of at least {minimumSide}×{minimumSide} pixels, found {previous.shape[2]}×{previous.shape[1]} (W×H).", nameof(previous));
    }
}
