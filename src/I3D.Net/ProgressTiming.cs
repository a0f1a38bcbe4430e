using System.Globalization;

namespace I3D.Net;

/// <summary>
/// How far a long operation is and how long it should still take: <see cref="Done"/> of <see cref="Total"/> units
/// (videos, optimizer steps), the time spent so far and an estimate of the time left, extrapolated from the units this
/// run actually worked on (units that were skipped, e.g. already complete or before a resume, do not count).
/// </summary>
/// <param name="Done">Units finished, skipped ones included.</param>
/// <param name="Total">Units in the whole operation.</param>
/// <param name="Elapsed">Time since the operation (this run) began.</param>
/// <param name="Remaining">Estimated time left, or null before any unit of work has finished.</param>
public sealed record ProgressTiming(long Done, long Total, TimeSpan Elapsed, TimeSpan? Remaining)
{
    /// <summary>Fraction done, 0–1 (1 for an empty operation).</summary>
    public double Fraction => Total <= 0 ? 1 : Math.Clamp((double)Done / Total, 0, 1);

    /// <summary>
    /// Measures progress: the remaining time is <c>Elapsed / worked · (Total − Done)</c> where <c>worked</c> is the units
    /// finished by this run (<paramref name="done"/> minus <paramref name="skipped"/>).
    /// </summary>
    /// <param name="done">Units finished, skipped ones included.</param>
    /// <param name="total">Units in the whole operation.</param>
    /// <param name="elapsed">Time since this run began.</param>
    /// <param name="skipped">Units among <paramref name="done"/> that took no work (already complete, or done before a resume).</param>
    public static ProgressTiming Measure(long done, long total, TimeSpan elapsed, long skipped = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(done);
        ArgumentOutOfRangeException.ThrowIfNegative(skipped);
        var worked = done - skipped;
        TimeSpan? remaining = done >= total ? TimeSpan.Zero
            : worked > 0 ? TimeSpan.FromTicks((long)Math.Min(elapsed.Ticks / (double)worked * (total - done), TimeSpan.MaxValue.Ticks))
            : null;
        return new ProgressTiming(done, total, elapsed, remaining);
    }

    /// <summary>E.g. <c>12/40 (30 %), 0:00:12 elapsed, about 0:00:28 left</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Done}/{Total} ({Fraction * 100:F0} %), {Format(Elapsed)} elapsed, {(Remaining is { } r ? $"about {Format(r)} left" : "time left unknown")}");

    private static string Format(TimeSpan t) => t.TotalHours >= 24
        ? t.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture)
        : t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
}
