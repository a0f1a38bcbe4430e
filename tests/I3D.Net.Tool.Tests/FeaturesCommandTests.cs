using System.Security.Cryptography;
using I3D.Net.Data.Transforms;
using I3D.Net.Inference;
using I3D.Net.IO;
using I3D.Net.Models;
using I3D.Net.Weights;
using TorchSharp;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d features</c> on a generated dataset with a generated model file.</summary>
public sealed class FeaturesCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    private string[] Common(string model, string output) =>
        ["features", _files.Path("ds"), output, "--model", model, "--short-side", "32", "--crop", "32", "--fps", "0"];

    [Fact]
    public async Task Writes_one_file_per_video_holding_the_models_features()
    {
        var videos = _files.Dataset("ds", count: 3, frames: 8);
        var model = _files.RgbModel("rgb.safetensors", "a", "b", "c");
        var run = await ToolRun.RunAsync([.. Common(model, _files.Path("out")), "--frames", "8", "--json"]);
        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("extracted").GetArrayLength().Should().Be(3);

        using var reference = new InceptionI3D(3);
        Checkpoints.Load(reference, model);
        var extractor = new FeatureExtractor(reference, new FeatureExtractionOptions
        {
            Frames = 8, FramesPerSecond = null, Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 }, Device = Runtime.ComputeDevice.Cpu,
        });
        foreach (var video in videos)
        {
            var file = Path.Combine(_files.Path("out"), Path.GetRelativePath(_files.Path("ds"), Path.ChangeExtension(video, ".npy")));
            using var saved = NpyFile.Load(file);
            saved.shape.Should().Equal(1, 1024);
            using var expected = extractor.Extract(video);
            saved.allclose(expected.Features.cpu(), rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        }
    }

    [Fact]
    public async Task Windows_in_safetensors_and_two_shards_that_add_up_to_the_whole_run()
    {
        _files.Dataset("ds", count: 4, frames: 8);
        var model = _files.RgbModel("rgb.safetensors", "a", "b");
        string[] windows = ["--window", "4", "--stride", "2", "--format", "safetensors"];
        var whole = await ToolRun.RunAsync([.. Common(model, _files.Path("whole")), .. windows]);
        whole.ExitCode.Should().Be(0, whole.ToString());
        whole.Out.Should().Contain("windows of 4 frames every 2").And.Contain("features: 4 extracted, 0 skipped (already complete), 0 failed");
        var tensors = Weights.SafeTensors.SafeTensorsFile.Load(Directory.GetFiles(_files.Path("whole"), "*.safetensors", SearchOption.AllDirectories)[0], out _);
        tensors["features"].shape.Should().Equal(3, 1024);   // 8 frames: windows at 0, 2 and 4
        tensors["window_starts"].data<long>().ToArray().Should().Equal(0, 2, 4);
        foreach (var t in tensors.Values) t.Dispose();

        foreach (var shard in new[] { "1/2", "2/2" })
        {
            var run = await ToolRun.RunAsync([.. Common(model, _files.Path("sharded")), .. windows, "--shard", shard]);
            run.ExitCode.Should().Be(0, run.ToString());
        }
        Contents(_files.Path("sharded")).Should().Equal(Contents(_files.Path("whole")));

        var rerun = await ToolRun.RunAsync([.. Common(model, _files.Path("sharded")), .. windows, "--shard", "2/2", "--json"]);
        rerun.ExitCode.Should().Be(0);
        rerun.Json.GetProperty("extracted").GetArrayLength().Should().Be(0);
        (rerun.Json.GetProperty("skipped").GetArrayLength() + rerun.Json.GetProperty("inOtherShards").GetInt32()).Should().Be(4);
    }

    [Fact]
    public async Task Other_settings_into_the_same_folder_are_a_usage_error()
    {
        _files.Dataset("ds", count: 1, frames: 8);
        var model = _files.RgbModel("rgb.safetensors", "a", "b");
        (await ToolRun.RunAsync([.. Common(model, _files.Path("out")), "--frames", "8"])).ExitCode.Should().Be(0);
        var other = await ToolRun.RunAsync([.. Common(model, _files.Path("out")), "--frames", "4"]);
        other.ExitCode.Should().Be(2, other.ToString());
        other.ErrorLines.Should().ContainSingle().Which.Should().StartWith("i3d: error: ");
    }

    private static Dictionary<string, string> Contents(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));
}
