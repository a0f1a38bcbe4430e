namespace I3D.Net.Tool.Tests;

/// <summary>--help on every command, and the usage errors scripts rely on: exit code 2 and one line on stderr.</summary>
public sealed class HelpAndUsageTests
{
    [Fact]
    public async Task Root_help_lists_every_command_and_exits_0()
    {
        var run = await ToolRun.RunAsync("--help");
        run.ExitCode.Should().Be(0, run.ToString());
        foreach (var command in new[] { "classify", "finetune", "flow", "features", "check-dataset", "export", "weights" })
            run.Out.Should().Contain(command);
        run.Error.Should().BeEmpty();
    }

    [Theory]
    [InlineData("classify", "--pretrained <NAME>", "--timeline")]
    [InlineData("finetune", "--format <FORMAT>", "--resume")]
    [InlineData("flow", "--shard <K/N>", "--method <METHOD>")]
    [InlineData("features", "--shard <K/N>", "--format <FORMAT>")]
    [InlineData("check-dataset", "--flow <DIR>", "--features <DIR>")]
    [InlineData("export", "--endpoint <ENDPOINT>", "--opset <N>")]
    [InlineData("weights list", "--json", "--cache <DIR>")]
    [InlineData("weights download", "<NAME>", "--cache <DIR>")]
    [InlineData("weights verify", "<NAME>", "--cache <DIR>")]
    [InlineData("weights path", "--cache <DIR>", "--help")]
    public async Task Every_command_has_help_with_its_options(string command, string option1, string option2)
    {
        var run = await ToolRun.RunAsync([.. command.Split(' '), "--help"]);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Out.Should().Contain($"i3d {command}").And.Contain(option1).And.Contain(option2);
    }

    [Fact]
    public async Task Cancellation_exits_130_with_one_line()
    {
        using var files = new TestFiles();
        files.Dataset("ds", count: 2);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var run = await ToolRun.RunAsync(cancelled.Token, "flow", files.Path("ds"), files.Path("out"), "--method", "farneback");
        run.ExitCode.Should().Be(130, run.ToString());
        run.ErrorLines.Should().Equal("i3d: error: cancelled");
        Directory.EnumerateFiles(files.Root, ".done", SearchOption.AllDirectories).Should().BeEmpty("nothing was extracted");
    }

    [Theory]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    [InlineData(new[] { "classify", "/", "--pretrained", "kinetics400", "--bogus" }, "bogus")]
    [InlineData(new[] { "classify" }, "VIDEOS")]
    [InlineData(new[] { "classify", "/no/such/video.mp4", "--pretrained", "kinetics400" }, "'/no/such/video.mp4' does not exist")]
    [InlineData(new[] { "classify", "/", "--top", "0", "--pretrained", "kinetics400" }, "--top must be at least 1")]
    [InlineData(new[] { "classify", "/" }, "either --pretrained <NAME> or --model <PATH>")]
    [InlineData(new[] { "classify", "/", "--model", "/no/such/model.safetensors" }, "--model '/no/such/model.safetensors' does not exist")]
    [InlineData(new[] { "classify", "/", "--pretrained", "kinetics400", "--crops", "2" }, "--crops must be 1 or 3")]
    [InlineData(new[] { "flow", "/no/such/folder", "/tmp/out" }, "neither a video file nor a folder")]
    [InlineData(new[] { "flow", "/", "/tmp/out", "--shard", "3/2" }, "--shard")]
    [InlineData(new[] { "flow", "/", "/tmp/out", "--shard", "two" }, "K/N")]
    [InlineData(new[] { "flow", "/", "/tmp/out", "--method", "lucas-kanade" }, "--method must be tvl1 or farneback")]
    [InlineData(new[] { "finetune", "--data", "/no/such/data" }, "--data '/no/such/data' is not a folder")]
    [InlineData(new[] { "finetune", "--data", "/", "--modality", "two-stream" }, "--flow-root")]
    [InlineData(new[] { "finetune", "--data", "/", "--init", "kinetics" }, "--init kinetics needs --weights")]
    [InlineData(new[] { "finetune", "--data", "/", "--format", "youtube" }, "youtube")]
    [InlineData(new[] { "finetune", "--data", "/", "--format", "ucf101", "--init", "scratch" }, "The Ucf101 format needs the split files' folder")]
    [InlineData(new[] { "finetune", "--data", "/", "--format", "kinetics", "--init", "scratch" }, "The Kinetics format needs a training CSV")]
    [InlineData(new[] { "features", "/", "/tmp/out", "--pretrained", "kinetics400", "--format", "csv" }, "--format must be npy or safetensors")]
    [InlineData(new[] { "features", "/", "/tmp/out", "--pretrained", "kinetics400", "--stride", "4" }, "--stride applies to --window")]
    [InlineData(new[] { "features", "/", "/tmp/out", "--pretrained", "kinetics400", "--shard", "0/4" }, "--shard")]
    [InlineData(new[] { "check-dataset", "/no/such/dataset" }, "'/no/such/dataset' is not a folder")]
    [InlineData(new[] { "check-dataset", "/", "--flow", "/no/such/flow" }, "--flow '/no/such/flow' is not a folder")]
    [InlineData(new[] { "check-dataset", "/", "--shard", "1/2", "--shards", "2" }, "not both")]
    [InlineData(new[] { "export", "m.onnx", "--pretrained", "kinetics400", "--endpoint", "Mixed_9z" }, "--endpoint must be")]
    [InlineData(new[] { "export", "m.onnx", "--pretrained", "kinetics400", "--opset", "5" }, "--opset must be 13 to 21")]
    [InlineData(new[] { "weights", "download", "no-such-weights", "--cache", "/tmp/i3d-no-cache" }, "No weights named 'no-such-weights'")]
    public async Task Usage_errors_exit_2_with_one_line_on_stderr(string[] args, string expected)
    {
        var run = await ToolRun.RunAsync(args);
        run.ExitCode.Should().Be(2, run.ToString());
        run.ErrorLines.Should().ContainSingle().Which.Should().StartWith("i3d: error: ").And.Contain(expected);
    }
}
