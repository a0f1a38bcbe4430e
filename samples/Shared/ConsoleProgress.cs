using I3D.Net.Flow;
using I3D.Net.Training;

namespace I3D.Net.Samples;

/// <summary>
/// Prints progress with the time left (<see cref="ProgressTiming"/>) to the console: a line for every report whose
/// <paramref name="important"/> says so (a failure, the last unit) and otherwise at most one line every
/// <paramref name="interval"/>. Reports arrive inline on the reporting thread (unlike <see cref="Progress{T}"/>, which
/// posts them to the thread pool and can print after the operation's summary).
/// </summary>
/// <typeparam name="T">The progress record.</typeparam>
internal sealed class ConsoleProgress<T>(Func<T, ProgressTiming> timing, Func<T, string> describe, TimeSpan interval, Func<T, bool>? important = null) : IProgress<T>
{
    private readonly object _gate = new();
    private TimeSpan? _lastPrinted;

    public void Report(T value)
    {
        var t = timing(value);
        lock (_gate)
        {
            var last = t.Done >= t.Total;
            if (!last && important?.Invoke(value) != true && _lastPrinted is { } previous && t.Elapsed - previous < interval)
                return;
            _lastPrinted = t.Elapsed;
            Console.WriteLine($"[{t}] {describe(value)}");
        }
    }
}

/// <summary>The reporters the samples use.</summary>
internal static class ConsoleProgress
{
    /// <summary>Flow extraction: one line per video (they take seconds to minutes each).</summary>
    public static string DescribeFlow(FlowExtractionProgress p) =>
        $"{p.VideoPath}: {p.Status}" + (p.Status == FlowVideoStatus.Failed ? $": {p.Error}" : $" ({p.FramePairs} pairs)");

    /// <summary>Training: a line every <paramref name="interval"/> and at the end of every epoch.</summary>
    public static ConsoleProgress<TrainingProgress> ForTraining(TimeSpan interval) => new(
        p => p.Timing,
        p => FormattableString.Invariant(
            $"epoch {p.Epoch + 1}/{p.Epochs} batch {p.BatchInEpoch}/{p.BatchesPerEpoch}: loss {p.Loss:F4}, lr {p.LearningRate:G3}{(p.Skipped ? " (skipped: non-finite)" : "")}"),
        interval,
        p => p.BatchInEpoch == p.BatchesPerEpoch || p.Skipped);
}
