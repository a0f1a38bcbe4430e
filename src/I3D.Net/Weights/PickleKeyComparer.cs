using System.Numerics;

namespace I3D.Net.Weights;

/// <summary>
/// Equality for pickle dict and memo keys with hash codes an attacker cannot predict. The default hashes of
/// <see cref="long"/> and <see cref="double"/> are fixed functions (<c>(int)v ^ (int)(v &gt;&gt; 32)</c>), so a file can
/// choose 160,000 keys with one hash code and make every insert a linear scan (64 s). Here every 64-bit value is
/// hashed with <see cref="HashCode"/>, which is seeded randomly per process; strings already hash that way.
/// </summary>
internal sealed class PickleKeyComparer : IEqualityComparer<object>, IEqualityComparer<long>
{
    public static readonly PickleKeyComparer Instance = new();

    public new bool Equals(object? x, object? y) => object.Equals(x, y);

    public int GetHashCode(object obj) => obj switch
    {
        long l => GetHashCode(l),
        double d => GetHashCode(BitConverter.DoubleToInt64Bits(d)),
        bool b => b ? 1 : 0,
        BigInteger big => HashBytes(big.ToByteArray()),
        _ => obj.GetHashCode(),   // strings (randomised), tuples and containers (by reference)
    };

    public bool Equals(long x, long y) => x == y;

    public int GetHashCode(long value) => HashCode.Combine((int)value, (int)(value >> 32));

    static int HashBytes(byte[] bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes);
        return hash.ToHashCode();
    }
}
