using System.Security.Cryptography;
using I3D.Net.Flow;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d flow</c> on a generated dataset: whole, in two shards, and rerun.</summary>
public sealed class FlowCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Two_shards_together_write_exactly_what_one_run_writes_and_a_rerun_does_nothing()
    {
        var videos = _files.Dataset("ds", count: 6);
        var whole = await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("whole"), "--method", "farneback", "--json");
        whole.ExitCode.Should().Be(0, whole.ToString());
        whole.Json.GetProperty("extracted").GetArrayLength().Should().Be(6);
        whole.Json.GetProperty("framePairs").GetInt64().Should().Be(6 * 5);

        var first = await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("sharded"), "--method", "farneback", "--shard", "1/2", "--json");
        var second = await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("sharded"), "--method", "farneback", "--shard", "2/2", "--json");
        first.ExitCode.Should().Be(0, first.ToString());
        second.ExitCode.Should().Be(0, second.ToString());
        var one = first.Json.GetProperty("extracted").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var two = second.Json.GetProperty("extracted").EnumerateArray().Select(e => e.GetString()!).ToArray();
        one.Should().NotBeEmpty().And.NotIntersectWith(two);
        one.Concat(two).Should().BeEquivalentTo(videos.Select(Path.GetFullPath));
        first.Json.GetProperty("inOtherShards").GetInt32().Should().Be(two.Length);
        first.Json.GetProperty("shard").GetString().Should().Be("1/2");

        Contents(_files.Path("sharded")).Should().Equal(Contents(_files.Path("whole")), "the shards' union is the unsharded output, byte for byte");
        foreach (var video in videos)
        {
            var folder = FlowExtractor.VideoFolder(_files.Path("sharded"), _files.Path("ds"), video);
            File.Exists(Path.Combine(folder, FlowExtractor.DoneMarker)).Should().BeTrue();
        }

        var rerun = await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("sharded"), "--method", "farneback", "--shard", "1/2");
        rerun.ExitCode.Should().Be(0, rerun.ToString());
        rerun.Out.Should().Contain($"flow: 0 extracted (0 pairs), {one.Length} skipped (already complete), 0 failed, {two.Length} in other shards");
    }

    [Fact]
    public async Task A_video_that_cannot_be_decoded_fails_alone_with_exit_code_1()
    {
        _files.Dataset("ds", count: 2);
        File.WriteAllText(_files.Path("ds", "walk", "broken.avi"), "not a video");
        var run = await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("out"), "--method", "farneback");
        run.ExitCode.Should().Be(1, run.ToString());
        run.ErrorLines.Should().ContainSingle().Which.Should().StartWith("i3d: error: ").And.Contain("broken.avi");
        run.Out.Should().Contain("flow: 2 extracted (10 pairs), 0 skipped (already complete), 1 failed");
    }

    [Fact]
    public async Task Progress_goes_to_the_progress_console_and_ends_at_every_video()
    {
        _files.Dataset("ds", count: 3);
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var progress = new StringWriter();
        var code = await ToolApp.RunAsync(["flow", _files.Path("ds"), _files.Path("out"), "--method", "farneback"],
            ToolEnvironment.ForWriters(output, error, progress));
        code.Should().Be(0, error.ToString());
        progress.ToString().Should().Contain("flow").And.Contain("100%");
        output.ToString().Should().NotContain("100%", "progress stays off the results");
    }

    private static Dictionary<string, string> Contents(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != FlowExtractor.DoneMarker)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
