using System.Diagnostics;
using System.Reflection;
using I3D.Net.Data;
using I3D.Net.Flow;
using I3D.Net.Tests.Data;

namespace I3D.Net.Tests.Sharding;

/// <summary>
/// Issue 17's real test of sharding: three shard processes (tests/I3D.Net.ShardWorker) run at once on one generated
/// dataset and output tree, one is killed at a random moment and rerun; the union is then every video exactly once,
/// byte-identical to an unsharded run, with nothing partial left, and rerunning a finished shard changes nothing.
/// </summary>
public sealed class ShardProcessTests : IDisposable
{
    private static readonly string WorkerDll = typeof(ShardProcessTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "ShardWorker").Value!;

    // The worker has no native libraries of its own: it uses the test project's libtorch and OpenCV.
    private static readonly string NativeDir = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    // Seven worker processes, each loading libtorch: 5–20 s on the 2-core CI machine. The acceptance, so it
    // runs in the normal suite.
    [Fact]
    public async Task Three_shard_processes_with_one_killed_and_rerun_give_every_video_once_identical_to_an_unsharded_run()
    {
        if (!OperatingSystem.IsLinux()) return;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var data = _tmp.File("data");
        var videos = ShardTestData.Dataset(data, 15, frames: 8);
        var whole = _tmp.File("whole");
        (await FlowShardingTests.Farneback().ExtractDatasetAsync(data, whole)).Extracted.Should().HaveCount(15);
        var expected = ShardTestData.Contents(whole);
        var output = _tmp.File("flow");
        var counts = Enumerable.Range(1, 3).Select(k => videos.Count(v => new DatasetShard(k, 3).Contains(Path.GetRelativePath(data, v)))).ToArray();

        // All three at once; the victim dies after a random number of finished videos plus a random few milliseconds.
        var victim = random.Next(1, 4);
        var killAfter = random.Next(0, Math.Max(1, counts[victim - 1]));
        var delay = random.Next(0, 40);
        var because = $"(seed {seed}: shard {victim}/3 killed after {killAfter} videos + {delay} ms)";
        var workers = Enumerable.Range(1, 3).Select(k => Start(data, output, $"{k}/3")).ToArray();
        var killed = false;
        try
        {
            var lines = workers[victim - 1].Lines;
            var finished = 0;
            while (finished < killAfter && await lines.ReadLineAsync() is { } line)
                finished += line.StartsWith("item ", StringComparison.Ordinal) ? 1 : 0;
            await Task.Delay(delay);
            if (!workers[victim - 1].Process.HasExited)
            {
                workers[victim - 1].Process.Kill(entireProcessTree: true);
                killed = true;
            }
            foreach (var (worker, k) in workers.Select((w, i) => (w, i + 1)).Where(x => x.Item2 != victim))
            {
                var (code, text) = await worker.FinishAsync();
                code.Should().Be(0, $"shard {k}/3 finishes normally {because}: {text}");
                text.Should().Contain($"summary extracted={counts[k - 1]} skipped=0 failed=0 other={15 - counts[k - 1]}", because);
            }
            await workers[victim - 1].FinishAsync();
        }
        finally
        {
            foreach (var worker in workers)
                worker.Dispose();
        }

        // What the kill left: every folder with a marker is complete and correct; the rest a rerun redoes.
        foreach (var marker in Directory.EnumerateFiles(output, FlowExtractor.DoneMarker, SearchOption.AllDirectories))
        {
            var folder = Path.GetRelativePath(output, Path.GetDirectoryName(marker)!);
            ShardTestData.Contents(Path.GetDirectoryName(marker)!).Should().Equal(ShardTestData.Contents(Path.Combine(whole, folder)),
                $"a folder with a .done marker must be complete {because}");
        }

        var afterKill = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = output });
        afterKill.Items.Should().HaveCount(15);
        afterKill.Items.Where(i => DatasetShard.IndexOf(i.RelativePath, 3) != victim).Should().OnlyContain(i => i.Flow == OutputState.Complete, $"the other shards finished {because}");

        using (var rerun = Start(data, output, $"{victim}/3"))
        {
            var (code, text) = await rerun.FinishAsync();
            code.Should().Be(0, text);
            var summary = text.Split('\n').Single(l => l.StartsWith("summary ", StringComparison.Ordinal));
            var extracted = int.Parse(summary.Split(' ')[1]["extracted=".Length..]);
            var skipped = int.Parse(summary.Split(' ')[2]["skipped=".Length..]);
            (extracted + skipped).Should().Be(counts[victim - 1], because);
            if (killed && killAfter < counts[victim - 1] - 1)
                extracted.Should().BeGreaterThan(0, $"the killed shard had videos left {because}");
        }
        ShardTestData.Contents(output).Should().Equal(expected, $"the union is the unsharded output, nothing partial or temporary left {because}");

        var checkedAll = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = output });
        (checkedAll.IsComplete, checkedAll.Flow!.Complete).Should().Be((true, 15), because);

        // A finished shard, rerun, writes nothing.
        var before = ShardTestData.Snapshot(output);
        var other = victim % 3 + 1;
        using (var again = Start(data, output, $"{other}/3"))
        {
            var (code, text) = await again.FinishAsync();
            code.Should().Be(0, text);
            text.Should().Contain($"summary extracted=0 skipped={counts[other - 1]} failed=0");
        }
        ShardTestData.Snapshot(output).Should().Equal(before, "rerunning a finished shard touches no file");
    }

    /// <summary>The fast variant: one shard process killed at random, its rerun and the other shard in this process.</summary>
    [Fact]
    public async Task A_shard_process_killed_at_random_and_rerun_with_the_other_shard_gives_the_unsharded_output()
    {
        if (!OperatingSystem.IsLinux()) return;
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var data = _tmp.File("data");
        ShardTestData.Dataset(data, 8, frames: 8);
        var whole = _tmp.File("whole");
        await FlowShardingTests.Farneback().ExtractDatasetAsync(data, whole);
        var output = _tmp.File("flow");
        var killAfter = random.Next(0, 3);
        var because = $"(seed {seed}: shard 1/2 killed after {killAfter} videos)";
        using (var worker = Start(data, output, "1/2"))
        {
            var finished = 0;
            while (finished < killAfter && await worker.Lines.ReadLineAsync() is { } line)
                finished += line.StartsWith("item ", StringComparison.Ordinal) ? 1 : 0;
            await Task.Delay(random.Next(0, 40));
            if (!worker.Process.HasExited)
                worker.Process.Kill(entireProcessTree: true);
            await worker.FinishAsync();
        }
        var first = await FlowShardingTests.Farneback(DatasetShard.Parse("1/2")).ExtractDatasetAsync(data, output);
        var second = await FlowShardingTests.Farneback(DatasetShard.Parse("2/2")).ExtractDatasetAsync(data, output);

        (first.Extracted.Count + first.Skipped.Count + second.Extracted.Count).Should().Be(8, because);
        first.Failed.Should().BeEmpty(because);
        ShardTestData.Contents(output).Should().Equal(ShardTestData.Contents(whole), $"nothing partial or temporary is left {because}");
        (await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = output })).IsComplete.Should().BeTrue(because);
    }

    private static Worker Start(string data, string output, string shard)
    {
        File.Exists(WorkerDll).Should().BeTrue($"the shard worker is built next to the tests ({WorkerDll})");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { WorkerDll, "flow", data, output, shard })
            start.ArgumentList.Add(argument);
        start.Environment["I3D_TORCH_LIB_DIR"] = NativeDir;
        start.Environment["LD_LIBRARY_PATH"] = NativeDir + (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") is { Length: > 0 } old ? ":" + old : "");
        return new Worker(Process.Start(start)!);
    }

    /// <summary>A running shard process: its stdout read line by line, its stderr collected.</summary>
    private sealed class Worker(Process process) : IDisposable
    {
        private readonly Task<string> _errors = process.StandardError.ReadToEndAsync();
        private readonly System.Text.StringBuilder _seen = new();

        public Process Process { get; } = process;

        public LineReader Lines => new(this);

        public async Task<(int ExitCode, string Output)> FinishAsync()
        {
            _seen.Append(await Process.StandardOutput.ReadToEndAsync());
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await Process.WaitForExitAsync(timeout.Token);
            return (Process.ExitCode, _seen + await _errors);
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }

        public readonly struct LineReader(Worker worker)
        {
            public async Task<string?> ReadLineAsync()
            {
                var line = await worker.Process.StandardOutput.ReadLineAsync();
                if (line is not null)
                    worker._seen.Append(line).Append('\n');
                return line;
            }
        }
    }
}
