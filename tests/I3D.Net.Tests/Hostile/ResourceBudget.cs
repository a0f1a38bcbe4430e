using System.Diagnostics;

namespace I3D.Net.Tests.Hostile;

/// <summary>
/// Runs one hostile input against a time and memory budget (issue 14: each case ends in its documented exception
/// within 5 s, without allocating more than 256 MiB beyond the process's baseline). Memory is the growth of the
/// process's peak resident set (Linux <c>VmHWM</c>, reset through <c>/proc/self/clear_refs</c> before the call), so
/// native allocations (libtorch, OpenCV, FFmpeg) count as well as managed ones. Use it from tests in
/// <see cref="HostileInputCollection"/> so that no other test allocates at the same time.
/// </summary>
internal static class ResourceBudget
{
    /// <summary>The time budget for one hostile input.</summary>
    public static readonly TimeSpan DefaultTime = TimeSpan.FromSeconds(5);

    /// <summary>The memory budget for one hostile input, beyond the baseline.</summary>
    public const long DefaultBytes = 256L << 20;

    /// <summary>
    /// Runs <paramref name="action"/>, asserts that it throws <typeparamref name="TException"/> (or a subclass) within
    /// <paramref name="time"/> and that the peak resident memory grew by at most <paramref name="bytes"/>, and returns
    /// the exception so the test can check its message. A call still running after the budget fails the test (it is
    /// left running in the background: a hang must fail, not block the suite).
    /// </summary>
    public static TException ShouldThrowWithin<TException>(Action action, TimeSpan? time = null, long bytes = DefaultBytes)
        where TException : Exception
    {
        var limit = time ?? DefaultTime;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = ResetPeak();
        var stopwatch = Stopwatch.StartNew();
        var task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var finished = task.ContinueWith(static _ => { }, TaskScheduler.Default).Wait(limit);   // waits without rethrowing
        stopwatch.Stop();
        finished.Should().BeTrue($"the hostile input should be refused within {limit.TotalSeconds:0.#} s, but it was still running");
        var grown = PeakResidentBytes() - before;
        grown.Should().BeLessThanOrEqualTo(bytes,
            $"the hostile input should cost at most {bytes >> 20} MiB beyond the baseline (took {stopwatch.Elapsed.TotalSeconds:0.00} s)");
        task.IsFaulted.Should().BeTrue($"the hostile input should be refused with {typeof(TException).Name}, but the call returned normally");
        var error = task.Exception!.InnerException!;
        error.Should().BeAssignableTo<TException>($"the documented exception is {typeof(TException).Name}; got {error}");
        return (TException)error;
    }

    /// <summary>
    /// Runs <paramref name="action"/> within the same budgets when it is expected to succeed (for example a cap raised by
    /// an option still bounded by the file's size).
    /// </summary>
    public static void ShouldCompleteWithin(Action action, TimeSpan? time = null, long bytes = DefaultBytes)
    {
        var limit = time ?? DefaultTime;
        GC.Collect();
        var before = ResetPeak();
        var task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        var finished = task.ContinueWith(static _ => { }, TaskScheduler.Default).Wait(limit);
        if (task.IsFaulted) throw task.Exception!.InnerException!;
        finished.Should().BeTrue($"the call should finish within {limit.TotalSeconds:0.#} s");
        (PeakResidentBytes() - before).Should().BeLessThanOrEqualTo(bytes, $"the call should cost at most {bytes >> 20} MiB");
    }

    /// <summary>Resets the kernel's peak-RSS counter to the current RSS and returns it (bytes).</summary>
    static long ResetPeak()
    {
        // "5" resets VmHWM to the current RSS (Linux ≥ 4.0). Where that is not allowed, the lifetime peak is the
        // baseline: the check then only catches growth beyond the largest earlier peak, never a false failure.
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return PeakResidentBytes();
    }

    /// <summary>The process's peak resident set size in bytes (<c>VmHWM</c>).</summary>
    public static long PeakResidentBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }
        throw new InvalidOperationException("/proc/self/status has no VmHWM line");
    }
}
