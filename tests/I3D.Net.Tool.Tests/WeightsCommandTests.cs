using I3D.Net.Models;
using I3D.Net.Weights;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d weights</c>: list, path and verify against a test cache folder (nothing is downloaded).</summary>
public sealed class WeightsCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Path_prints_the_cache_folder_alone()
    {
        var run = await ToolRun.RunAsync("weights", "path", "--cache", _files.Path("cache"));
        run.ExitCode.Should().Be(0);
        run.Out.Should().Be(_files.Path("cache") + Environment.NewLine);
        var defaults = await ToolRun.RunAsync("weights", "path");
        defaults.Out.Trim().Should().Be(PretrainedWeights.DefaultCacheDirectory);
    }

    [Fact]
    public async Task List_json_has_every_published_weights_and_what_the_cache_holds()
    {
        var cache = _files.Path("cache");
        Directory.CreateDirectory(cache);
        File.WriteAllText(Path.Combine(cache, PretrainedWeights.CachedFileName(I3DWeights.Kinetics400Rgb)), "x");
        var run = await ToolRun.RunAsync("weights", "list", "--json", "--cache", cache);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("cache").GetString().Should().Be(cache);
        var rows = run.Json.GetProperty("weights").EnumerateArray().ToDictionary(w => w.GetProperty("name").GetString()!);
        rows.Keys.Should().BeEquivalentTo(I3DWeights.All.Select(w => w.Name));
        rows["kinetics400-rgb-imagenet"].GetProperty("cached").GetBoolean().Should().BeTrue();
        rows["kinetics400-flow-imagenet"].GetProperty("cached").GetBoolean().Should().BeFalse();
        rows["kinetics400-two-stream-imagenet"].GetProperty("cached").GetBoolean().Should().BeFalse("its flow stream is missing");
        rows["kinetics400-two-stream-imagenet"].GetProperty("alias").GetString().Should().Be("kinetics400");
        rows["kinetics400-rgb-imagenet"].GetProperty("top1").GetDouble().Should().Be(71.1);
    }

    [Fact]
    public async Task Verify_fails_with_exit_code_1_when_the_weights_are_not_cached()
    {
        var run = await ToolRun.RunAsync("weights", "verify", "kinetics400", "--cache", _files.Path("empty"));
        run.ExitCode.Should().Be(1, run.ToString());
        run.ErrorLines.Should().HaveCount(2, "both streams are checked").And.OnlyContain(l => l.StartsWith("i3d: error: ") && l.Contains("not in the cache"));
    }

    [Fact]
    public async Task Verify_fails_on_a_corrupt_cached_file()
    {
        var cache = _files.Path("cache");
        Directory.CreateDirectory(cache);
        File.WriteAllBytes(Path.Combine(cache, I3DWeights.GoogLeNetFileName), new byte[1000]);
        File.WriteAllText(Path.Combine(cache, PretrainedWeights.CachedFileName(I3DWeights.Kinetics400Flow)), "not safetensors");
        var googLeNet = await ToolRun.RunAsync("weights", "verify", "imagenet-googlenet", "--cache", cache);
        googLeNet.ExitCode.Should().Be(1, googLeNet.ToString());
        googLeNet.ErrorLines.Should().ContainSingle().Which.Should().Contain("SHA-256");
        var flow = await ToolRun.RunAsync("weights", "verify", "kinetics400-flow-imagenet", "--cache", cache);
        flow.ExitCode.Should().Be(1, flow.ToString());
        flow.ErrorLines.Should().ContainSingle().Which.Should().Contain("kinetics400-flow-imagenet");
    }
}
