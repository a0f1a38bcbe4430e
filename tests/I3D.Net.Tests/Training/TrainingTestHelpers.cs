using Microsoft.Extensions.Logging;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

internal static class TrainingTestHelpers
{
    /// <summary>This test process's folder of training temp folders, deleted when the process exits.</summary>
    private static readonly Lazy<string> ProcessRoot = new(() =>
    {
        var parent = Path.Combine(Path.GetTempPath(), "i3d-training-tests");
        // Checkpoint folders add up to ~100 MB per test run: remove those of test processes that are gone (a crash or
        // a killed run never reaches ProcessExit), then this process's own at exit.
        if (Directory.Exists(parent))
        {
            foreach (var stale in Directory.EnumerateDirectories(parent))
            {
                if (int.TryParse(Path.GetFileName(stale), out var pid) && pid != Environment.ProcessId && IsRunning(pid)) continue;
                if (Path.GetFileName(stale) == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)) continue;
                TryDelete(stale);
            }
        }
        var root = Path.Combine(parent, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(root);
        return root;
    });

    /// <summary>A fresh empty folder under the temp directory.</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(ProcessRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Copies of every parameter and buffer, by state-dict key.</summary>
    public static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone().cpu());

    /// <summary>Asserts two snapshots are bit-identical, naming the first differing key.</summary>
    public static void ShouldBeBitIdentical(Dictionary<string, Tensor> actual, Dictionary<string, Tensor> expected)
    {
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (key, value) in expected)
            actual[key].eq(value).all().item<bool>().Should().BeTrue($"'{key}' must be bit-identical");
    }

    /// <summary>Whether two tensors differ anywhere.</summary>
    public static bool Differs(Tensor a, Tensor b) => !a.eq(b).all().item<bool>();
}

/// <summary>An ILogger that records messages.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public List<(LogLevel Level, string Message)> Entries { get; } = [];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
    }
}

/// <summary>Cancels a token source after a given number of optimizer steps.</summary>
internal sealed class CancelAfterSteps(CancellationTokenSource cts, long steps) : I3D.Net.Training.ITrainingCallback
{
    public long LastStep { get; private set; }

    public void OnStepEnd(I3D.Net.Training.StepEndContext context)
    {
        LastStep = context.Progress.Step;
        if (context.Progress.Step == steps) cts.Cancel();
    }
}
