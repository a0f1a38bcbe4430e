using System.IO.Hashing;

namespace I3D.Net.Weights.TensorFlow;

/// <summary>
/// CRC-32C (Castagnoli), as TensorFlow and LevelDB use it, computed by System.IO.Hashing
/// (<see cref="Crc32ParameterSet.Crc32C"/>, hardware-accelerated where the CPU has a CRC32 instruction), plus their
/// "mask" that keeps a CRC of data that itself holds CRCs from being degenerate.
/// </summary>
internal static class Crc32C
{
    private const uint MaskDelta = 0xA282EAD8;

    /// <summary>CRC-32C of <paramref name="data"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = new Crc32(Crc32ParameterSet.Crc32C);
        crc.Append(data);
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>CRC-32C of <paramref name="first"/> followed by <paramref name="second"/>.</summary>
    public static uint Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        var crc = new Crc32(Crc32ParameterSet.Crc32C);
        crc.Append(first);
        crc.Append(second);
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>The masked form TensorFlow stores: rotate right by 15 bits and add a constant.</summary>
    public static uint Mask(uint crc) => ((crc >> 15) | (crc << 17)) + MaskDelta;

    /// <summary>Inverse of <see cref="Mask"/>.</summary>
    public static uint Unmask(uint masked)
    {
        var rot = masked - MaskDelta;
        return (rot >> 17) | (rot << 15);
    }
}
