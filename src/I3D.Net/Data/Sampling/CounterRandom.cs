namespace I3D.Net.Data.Sampling;

/// <summary>
/// A small counter-based random generator: SplitMix64 over a key hashed from (seed, epoch, sample, stream), so
/// every random choice is a pure function of that key, independent of thread scheduling, of the order samples are
/// decoded in, and of where an epoch is resumed. Not cryptographic.
/// </summary>
public struct CounterRandom
{
    private ulong _state;

    /// <summary>Creates the generator for one key.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">The epoch.</param>
    /// <param name="sample">The dataset sample index (or -1 for per-epoch choices such as the shuffle).</param>
    /// <param name="stream">Separates independent uses for the same sample (window, crop, flip, …).</param>
    public CounterRandom(long seed, long epoch, long sample, RandomStream stream)
    {
        var key = Mix((ulong)seed);
        key = Mix(key ^ (ulong)epoch);
        key = Mix(key ^ (ulong)sample);
        _state = Mix(key ^ (ulong)stream);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform double in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double NextDouble(double min, double max) => min + (max - min) * NextDouble();

    /// <summary>A uniform integer in [0, <paramref name="maxExclusive"/>) (unbiased: rejection of the short tail).</summary>
    public int NextInt(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        var bound = (ulong)maxExclusive;
        var limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong value;
        do value = NextUInt64(); while (value >= limit);
        return (int)(value % bound);
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool NextBool(double p = 0.5) => NextDouble() < p;

    /// <summary>The SplitMix64 finaliser (a bijective 64-bit mix).</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
