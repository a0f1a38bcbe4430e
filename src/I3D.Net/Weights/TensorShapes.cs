namespace I3D.Net.Weights;

/// <summary>Overflow-safe size arithmetic for shapes read from files, checked before any tensor is allocated.</summary>
internal static class TensorShapes
{
    /// <summary>
    /// The byte size of a dense tensor of <paramref name="shape"/>, or <see langword="null"/> when libtorch could not
    /// allocate it: like libtorch, the product of the non-zero dimensions must fit in 64 bits even when another
    /// dimension is 0 (<c>[0, 2^62, 2^62]</c> holds no element, yet libtorch refuses it as an overflow).
    /// </summary>
    public static long? ByteCount(IReadOnlyList<long> shape, long elementSize)
    {
        long nonZero = elementSize;
        var empty = false;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                return null;
            }

            if (d == 0)
            {
                empty = true;
                continue;
            }

            if (nonZero > long.MaxValue / d)
            {
                return null;
            }

            nonZero *= d;
        }

        return empty ? 0 : nonZero;
    }
}
