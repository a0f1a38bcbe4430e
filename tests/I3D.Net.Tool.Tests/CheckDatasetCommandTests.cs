using I3D.Net.Data;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d check-dataset</c> between and after the shards of a flow job, on a damaged folder, and on features.</summary>
public sealed class CheckDatasetCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Reports_the_items_of_a_shard_that_has_not_run_then_complete()
    {
        var videos = _files.Dataset("ds", count: 6);
        var relative = videos.Select(v => Path.GetRelativePath(_files.Path("ds"), v).Replace('\\', '/')).ToArray();
        var second = relative.Where(r => DatasetShard.IndexOf(r, 2) == 2).ToArray();
        second.Should().NotBeEmpty().And.HaveCountLessThan(6, "the test needs items in both shards");
        (await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("flow"), "--method", "farneback", "--shard", "1/2")).ExitCode.Should().Be(0);

        var half = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--flow", _files.Path("flow"), "--shards", "2", "--json");
        half.ExitCode.Should().Be(1, half.ToString());
        var json = half.Json;
        json.GetProperty("complete").GetBoolean().Should().BeFalse();
        json.GetProperty("flow").GetProperty("missing").GetInt32().Should().Be(second.Length);
        json.GetProperty("flow").GetProperty("complete").GetInt32().Should().Be(6 - second.Length);
        var incomplete = json.GetProperty("incomplete").EnumerateArray().ToArray();
        incomplete.Select(i => i.GetProperty("item").GetString()).Should().BeEquivalentTo(second);
        incomplete.Should().OnlyContain(i => i.GetProperty("shard").GetInt32() == 2 && i.GetProperty("flow").GetString() == "missing");

        var text = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--flow", _files.Path("flow"));
        text.ExitCode.Should().Be(1);
        text.Out.Should().Contain($"incomplete: {second.Length} item(s) with missing output, 0 partial, 0 unreadable");

        (await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("flow"), "--method", "farneback", "--shard", "2/2")).ExitCode.Should().Be(0);
        var done = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--flow", _files.Path("flow"));
        done.ExitCode.Should().Be(0, done.ToString());
        done.Out.Should().EndWith("complete" + Environment.NewLine).And.Contain("6 item(s)");
    }

    [Fact]
    public async Task A_flow_folder_short_of_an_image_is_partial()
    {
        var videos = _files.Dataset("ds", count: 2);
        (await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("flow"), "--method", "farneback")).ExitCode.Should().Be(0);
        var folder = Flow.FlowExtractor.VideoFolder(_files.Path("flow"), _files.Path("ds"), videos[0]);
        File.Delete(Path.Combine(folder, Flow.FlowExtractor.ImageName('y', 3)));
        var run = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--flow", _files.Path("flow"), "--json");
        run.ExitCode.Should().Be(1, run.ToString());
        var item = run.Json.GetProperty("incomplete").EnumerateArray().Should().ContainSingle().Subject;
        item.GetProperty("flow").GetString().Should().Be("partial");
        item.GetProperty("flowDetail").GetString().Should().NotBeNullOrEmpty();
        run.Json.GetProperty("flow").GetProperty("partial").GetInt32().Should().Be(1);
    }

    [Fact]
    public async Task Features_written_by_i3d_features_are_complete()
    {
        _files.Dataset("ds", count: 3, frames: 8);
        var model = _files.RgbModel("rgb.safetensors", "a", "b");
        var features = await ToolRun.RunAsync("features", _files.Path("ds"), _files.Path("feats"), "--model", model, "--frames", "8", "--short-side", "32", "--crop", "32");
        features.ExitCode.Should().Be(0, features.ToString());
        var run = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--features", _files.Path("feats"), "--json");
        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("features").GetProperty("complete").GetInt32().Should().Be(3);
        run.Json.TryGetProperty("flow", out _).Should().BeFalse();

        var files = Directory.GetFiles(_files.Path("feats"), "*.npy", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        File.Delete(files[0]);
        var missing = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--features", _files.Path("feats"));
        missing.ExitCode.Should().Be(1);
        missing.Out.Should().Contain("incomplete: 1 item(s) with missing output");

        // A video removed from the dataset leaves an orphan features file: reported, and the rest is complete.
        var orphanFile = Path.GetRelativePath(_files.Path("feats"), files[1]);
        File.Delete(Path.Combine(_files.Path("ds"), Path.ChangeExtension(orphanFile, ".avi")));
        var orphan = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--features", _files.Path("feats"), "--json");
        orphan.Json.GetProperty("featuresOrphans").EnumerateArray().Select(o => o.GetString()).Should().Equal(orphanFile.Replace('\\', '/'));
        var text = await ToolRun.RunAsync("check-dataset", _files.Path("ds"), "--features", _files.Path("feats"));
        text.Out.Should().Contain($"1 features file(s) without a video, e.g. {orphanFile.Replace('\\', '/')}");
    }
}
