using I3D.Net.Data.Annotations;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d finetune</c> on a tiny class-folder dataset: one epoch, resumed to two, then classified with the result.</summary>
public sealed class FinetuneCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Trains_resumes_and_writes_a_model_that_classify_reads()
    {
        foreach (var (split, count) in new[] { ("train", 4), ("val", 2) })
            _files.Dataset(Path.Combine("ds", split), count, frames: 8, classes: ["left", "right"]);
        string[] common = ["finetune", "--data", _files.Path("ds"), "--format", "folders", "--init", "scratch", "--batch", "2", "--frames", "4", "--crop", "32",
            "--workers", "1", "--device", "cpu", "--out", _files.Path("ck")];
        var run = await ToolRun.RunAsync([.. common, "--epochs", "1"]);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Out.Should().Contain("data: 4 training and 2 validation videos, 2 classes; rgb")
            .And.Contain("Completed after 1 epoch(s), 2 steps")
            .And.Contain("validation (2 videos): top-1");
        ClassMap.Load(_files.Path("ck", "class_map.json")).Names.Should().Equal("left", "right");

        var again = await ToolRun.RunAsync([.. common, "--epochs", "1"]);
        again.ExitCode.Should().Be(2, "--out holds checkpoints and --resume was not given");
        again.ErrorLines.Should().ContainSingle().Which.Should().Contain("--resume");

        var resumed = await ToolRun.RunAsync([.. common, "--epochs", "2", "--resume"]);
        resumed.ExitCode.Should().Be(0, resumed.ToString());
        resumed.Out.Should().MatchRegex("resumed from .*checkpoint-0+2").And.Contain("Completed after 2 epoch(s), 4 steps");

        var video = _files.Path("ds", "val", "left", "v00.avi");
        var classify = await ToolRun.RunAsync("classify", video, "--model", _files.Path("ck", "model.safetensors"), "--crop", "0", "--json");
        classify.ExitCode.Should().Be(0, classify.ToString());
        classify.Json.GetProperty("videos")[0].GetProperty("top").EnumerateArray().Select(s => s.GetProperty("name").GetString())
            .Should().BeEquivalentTo("left", "right");

        // The checkpoints folder itself: its newest valid checkpoint, with the class names the trainer recorded.
        var fromFolder = await ToolRun.RunAsync("classify", video, "--model", _files.Path("ck"), "--crop", "0", "--json");
        fromFolder.ExitCode.Should().Be(0, fromFolder.ToString());
        fromFolder.Json.GetProperty("videos")[0].GetProperty("top").GetArrayLength().Should().Be(2);
    }

    [Fact]
    public async Task Two_stream_reads_the_flow_that_i3d_flow_wrote()
    {
        foreach (var (split, count) in new[] { ("train", 4), ("val", 2) })
            _files.Dataset(Path.Combine("ds", split), count, frames: 8, classes: ["left", "right"]);
        (await ToolRun.RunAsync("flow", _files.Path("ds"), _files.Path("flow"), "--method", "farneback")).ExitCode.Should().Be(0);
        var run = await ToolRun.RunAsync("finetune", "--data", _files.Path("ds"), "--modality", "two-stream", "--flow-root", _files.Path("flow"),
            "--init", "scratch", "--batch", "2", "--frames", "4", "--crop", "32", "--workers", "1", "--epochs", "1", "--device", "cpu", "--out", _files.Path("ck"));
        run.ExitCode.Should().Be(0, run.ToString());
        run.Out.Should().Contain("data: 4 training and 2 validation videos, 2 classes; two-stream")
            .And.Contain("model: TwoStreamI3D, initialised from scratch").And.Contain("Completed after 1 epoch(s), 2 steps");
        using var model = Inference.I3DModelFile.Load(_files.Path("ck", "model.safetensors"));
        model.TwoStream.Should().NotBeNull();
        model.ClassNames.Should().Equal("left", "right");
    }
}
