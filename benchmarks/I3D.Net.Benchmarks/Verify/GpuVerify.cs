using System.Diagnostics;
using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

/// <summary>
/// <c>verify</c>: checks that the CUDA paths compute what the CPU computes, and prints one PASS/FAIL table with the
/// measured number beside its tolerance on every line (docs/gpu.md explains each line). The device is
/// <c>I3D_BENCH_DEVICE</c> (cuda on the GPU machine); with cpu every line runs CPU against CPU, as a dry run.
/// Exit code 0 when no line fails, 1 otherwise.
/// </summary>
internal static class GpuVerify
{
    public static int Run(string[] args)
    {
        var o = VerifyOptions.Parse(args);
        var device = BenchDevice.Device;
        var started = Stopwatch.StartNew();
        Console.WriteLine($"# I3D.Net CUDA verification | device {device.type}{(BenchDevice.IsCuda ? "" : " (dry run: CPU against CPU)")} | "
                          + $"threads {get_num_threads()} | {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
        var rows = new List<VerifyRow>();
        void Section(string name, Func<IEnumerable<VerifyRow>> check)
        {
            if (!o.Sections.Contains(name)) return;
            var watch = Stopwatch.StartNew();
            try
            {
                foreach (var row in check())
                {
                    rows.Add(row with { Seconds = watch.Elapsed.TotalSeconds });
                    Console.Error.WriteLine($"verify: {row.Check}: {row.Measured} ({row.Tolerance}) {row.Result} [{watch.Elapsed.TotalSeconds:F1} s]");
                    watch.Restart();
                }
            }
            catch (Exception ex)
            {
                // A check that throws is a failure of its section, reported with the reason; the others still run.
                rows.Add(new VerifyRow($"{name}: threw", $"{ex.GetType().Name}: {FirstLine(ex.Message)}", "no exception", VerifyOutcome.Fail, watch.Elapsed.TotalSeconds));
                Console.Error.WriteLine($"verify: {name} threw: {ex}");
            }
        }

        Section("logits", () => VerifyChecks.Logits(o));
        Section("train", () => VerifyChecks.Training(o));
        Section("checkpoint", () => VerifyChecks.Checkpoints(o));
        Section("flow", () => VerifyChecks.Flow(o));
        Section("classifier", () => VerifyChecks.Classifier(o));
        Section("memory", () => VerifyChecks.Memory(o));

        Console.WriteLine("| # | check | measured | tolerance | result | s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        for (var i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            static string Cell(string text) => text.Replace("|", "\\|");   // max|Δ| must not split a Markdown cell
            Console.WriteLine($"| {i + 1} | {Cell(r.Check)} | {Cell(r.Measured)} | {Cell(r.Tolerance)} | {r.Result} | {r.Seconds.ToString("F1", CultureInfo.InvariantCulture)} |");
        }
        var failed = rows.Count(r => r.Outcome == VerifyOutcome.Fail);
        Console.WriteLine($"verify: {rows.Count(r => r.Outcome == VerifyOutcome.Pass)} PASS, {failed} FAIL, "
                          + $"{rows.Count(r => r.Outcome == VerifyOutcome.NotApplicable)} n/a in {started.Elapsed.TotalSeconds:F0} s on {device.type}");
        return failed == 0 ? 0 : 1;
    }

    private static string FirstLine(string message) => message.Split('\n')[0].Trim().Replace("|", "/");
}

/// <summary>Sizes and sections of a verification run; defaults are small on the CPU (dry run) and realistic on CUDA.</summary>
internal sealed record VerifyOptions
{
    public HashSet<string> Sections { get; init; } = ["logits", "train", "checkpoint", "flow", "classifier", "memory"];

    public string? Fixtures { get; init; }

    public int LogitsBatch { get; init; } = 2;

    public int LogitsFrames { get; init; } = 16;

    public int LogitsSize { get; init; } = 224;

    public int TrainSteps { get; init; } = 20;

    public int TrainBatch { get; init; } = BenchDevice.IsCuda ? 8 : 4;

    public int TrainFrames { get; init; } = BenchDevice.IsCuda ? 16 : 8;

    public int TrainSize { get; init; } = BenchDevice.IsCuda ? 112 : 64;

    public double TrainLearningRate { get; init; } = 0.001;

    public static VerifyOptions Parse(string[] args)
    {
        var o = new VerifyOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"verify: {args[i]} needs a value.");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--sections" => o with { Sections = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] },
                "--fixtures" => o with { Fixtures = Next() },
                "--logits-batch" => o with { LogitsBatch = Int() },
                "--logits-frames" => o with { LogitsFrames = Int() },
                "--logits-size" => o with { LogitsSize = Int() },
                "--train-steps" => o with { TrainSteps = Int() },
                "--train-batch" => o with { TrainBatch = Int() },
                "--train-frames" => o with { TrainFrames = Int() },
                "--train-size" => o with { TrainSize = Int() },
                "--train-lr" => o with { TrainLearningRate = double.Parse(Next(), CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException(
                    $"verify: unknown option '{args[i]}'; expected --sections logits,train,checkpoint,flow,classifier,memory, --fixtures DIR, "
                    + "--logits-batch/-frames/-size N, --train-steps/-batch/-frames/-size N, --train-lr X."),
            };
        }
        var unknown = o.Sections.Except(new VerifyOptions().Sections).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"verify: unknown section(s) {string.Join(", ", unknown)}.");
        return o;
    }

    /// <summary>The flow fixtures folder: --fixtures, else tests/I3D.Net.Tests/Fixtures above the app, else fixtures/ beside it.</summary>
    public string FixturesDirectory()
    {
        if (Fixtures is not null) return Fixtures;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "tests", "I3D.Net.Tests", "Fixtures"), Path.Combine(dir.FullName, "fixtures") })
                if (Directory.Exists(Path.Combine(candidate, "flow"))) return candidate;
        }
        throw new DirectoryNotFoundException($"verify: no Fixtures/flow folder above {AppContext.BaseDirectory}; pass --fixtures DIR.");
    }
}
