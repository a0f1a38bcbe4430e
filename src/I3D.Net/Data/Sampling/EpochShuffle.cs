namespace I3D.Net.Data.Sampling;

/// <summary>The sample order of an epoch: a Fisher–Yates permutation drawn from <see cref="CounterRandom"/>(seed, epoch).</summary>
public static class EpochShuffle
{
    /// <summary>A permutation of 0..<paramref name="count"/>-1, the same for the same (seed, epoch) and different across epochs.</summary>
    public static int[] Permutation(int count, long seed, int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (var i = 0; i < count; i++)
            order[i] = i;
        var rng = new CounterRandom(seed, epoch, -1, RandomStream.Shuffle);
        for (var i = count - 1; i > 0; i--)
        {
            var j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
