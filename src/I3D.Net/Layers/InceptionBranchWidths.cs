namespace I3D.Net.Layers;

/// <summary>
/// Output channels of the branches of an <see cref="Inception3DBlock"/>, in the reference's order
/// <c>[b0, b1a, b1b, b2a, b2b, b3b]</c>: branch 0 is a 1×1×1 conv; branches 1 and 2 a 1×1×1 reduction (a) followed by a
/// 3×3×3 conv (b); branch 3 a 3×3×3 max pool followed by a 1×1×1 conv.
/// </summary>
/// <param name="B0">Branch 0: 1×1×1 conv.</param>
/// <param name="B1a">Branch 1: 1×1×1 reduction.</param>
/// <param name="B1b">Branch 1: 3×3×3 conv.</param>
/// <param name="B2a">Branch 2: 1×1×1 reduction.</param>
/// <param name="B2b">Branch 2: 3×3×3 conv.</param>
/// <param name="B3b">Branch 3: 1×1×1 projection after the pool.</param>
public sealed record InceptionBranchWidths(int B0, int B1a, int B1b, int B2a, int B2b, int B3b)
{
    /// <summary>Channels of the block's output: <c>B0 + B1b + B2b + B3b</c>.</summary>
    public int OutputChannels => B0 + B1b + B2b + B3b;

    /// <summary>Creates the widths from the six values in reference order.</summary>
    /// <param name="widths">Exactly six positive widths <c>[b0, b1a, b1b, b2a, b2b, b3b]</c>.</param>
    public static InceptionBranchWidths FromArray(IReadOnlyList<int> widths)
    {
        ArgumentNullException.ThrowIfNull(widths);
        if (widths.Count != 6)
            throw new ArgumentException($"Expected 6 branch widths [b0, b1a, b1b, b2a, b2b, b3b], found {widths.Count}.", nameof(widths));
        if (widths.Any(w => w < 1))
            throw new ArgumentException($"Branch widths must be positive; found [{string.Join(", ", widths)}].", nameof(widths));
        return new InceptionBranchWidths(widths[0], widths[1], widths[2], widths[3], widths[4], widths[5]);
    }

    /// <summary>The six widths in reference order.</summary>
    public int[] ToArray() => [B0, B1a, B1b, B2a, B2b, B3b];

    /// <inheritdoc />
    public override string ToString() => $"[{string.Join(", ", ToArray())}]";
}
