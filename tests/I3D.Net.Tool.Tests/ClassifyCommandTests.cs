using I3D.Net.Inference;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d classify</c> on generated videos with a generated model file.</summary>
public sealed class ClassifyCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Json_output_is_what_VideoClassifier_predicts_for_each_file()
    {
        var model = _files.RgbModel("rgb.safetensors", "walk", "run", "jump");
        var a = _files.Video("a.avi", frames: 8, seed: 1);
        var b = _files.Video("b.avi", frames: 8, seed: 2);
        var run = await ToolRun.RunAsync("classify", a, b, "--model", model, "--crop", "0", "--fps", "0", "--top", "3", "--json");
        run.ExitCode.Should().Be(0, run.ToString());
        run.Error.Should().BeEmpty();

        var json = run.Json;
        json.GetProperty("model").GetProperty("kind").GetString().Should().Be("rgb");
        json.GetProperty("model").GetProperty("classes").GetInt32().Should().Be(3);
        var videos = json.GetProperty("videos").EnumerateArray().ToArray();
        videos.Should().HaveCount(2);
        using var classifier = VideoClassifier.Load(model, VideoClassifierOptions.Default with { ShortSide = null, CropSize = null, FramesPerSecond = null, Device = Runtime.ComputeDevice.Cpu });
        foreach (var (video, result) in new[] { a, b }.Zip(videos))
        {
            result.GetProperty("video").GetString().Should().Be(Path.GetFullPath(video));
            result.GetProperty("framesPerClip").GetInt32().Should().Be(8);
            var top = result.GetProperty("top").EnumerateArray().Select(s => (Name: s.GetProperty("name").GetString(), P: s.GetProperty("probability").GetDouble())).ToArray();
            var expected = classifier.Predict(video, 3).Top;
            top.Select(t => t.Name).Should().Equal(expected.Select(e => e.Name));
            top.Select(t => t.P).Should().Equal(expected.Select(e => e.Probability), (x, y) => Math.Abs(x - y) < 1e-5);
            top.Sum(t => t.P).Should().BeApproximately(1, 1e-5, "all three classes are listed");
            top.Select(t => t.P).Should().BeInDescendingOrder();
        }
    }

    [Fact]
    public async Task Human_output_has_a_table_of_the_top_classes_per_video()
    {
        var model = _files.RgbModel("rgb.safetensors", "walk", "run", "jump");
        var video = _files.Video("clip.avi", frames: 8);
        var run = await ToolRun.RunAsync("classify", video, "--model", model, "--crop", "0", "--fps", "0", "-k", "2");
        run.ExitCode.Should().Be(0, run.ToString());
        run.Out.Should().Contain("model: rgb I3D, 3 classes").And.Contain("clip.avi: top-2 of 3 classes (1 clip(s) of 8 frames x 1 crop(s))");
        var rows = run.Out.Split('\n').Where(l => l.Contains('%')).ToArray();
        rows.Should().HaveCount(2);
        rows.Should().OnlyContain(r => r.Contains("walk") || r.Contains("run") || r.Contains("jump"));
    }

    [Fact]
    public async Task A_video_that_cannot_be_decoded_fails_alone_with_exit_code_1()
    {
        var model = _files.RgbModel("rgb.safetensors", "walk", "run", "jump");
        var good = _files.Video("good.avi", frames: 8);
        var bad = _files.Path("bad.avi");
        File.WriteAllText(bad, "not a video");
        var run = await ToolRun.RunAsync("classify", bad, good, "--model", model, "--crop", "0", "--fps", "0", "--json");
        run.ExitCode.Should().Be(1, run.ToString());
        run.ErrorLines.Should().ContainSingle().Which.Should().StartWith("i3d: error: ").And.Contain("bad.avi");
        var videos = run.Json.GetProperty("videos").EnumerateArray().ToArray();
        videos[0].GetProperty("error").GetString().Should().NotBeNullOrEmpty();
        videos[1].GetProperty("top").GetArrayLength().Should().Be(3);
    }

    [Fact]
    public async Task Timeline_classifies_each_window_of_a_long_video()
    {
        var model = _files.RgbModel("rgb.safetensors", "walk", "run");
        var video = _files.Video("long.avi", frames: 16);
        // 0.2 s at 25 fps = 5 frames per window, every 5 frames: windows at frames 0, 5 and 10 of 16.
        var run = await ToolRun.RunAsync("classify", video, "--model", model, "--crop", "0", "--timeline", "--window", "0.2", "--stride", "0.2", "--json");
        run.ExitCode.Should().Be(0, run.ToString());
        var windows = run.Json.GetProperty("videos")[0].GetProperty("windows").EnumerateArray().ToArray();
        windows.Select(w => w.GetProperty("start").GetDouble()).Should().Equal([0, 0.2, 0.4], (x, y) => Math.Abs(x - y) < 1e-6);
        windows.Should().OnlyContain(w => w.GetProperty("top").GetArrayLength() == 2);
    }

    [Fact]
    public async Task Reads_class_names_from_a_file_given_with_classes()
    {
        var model = _files.Path("plain.safetensors");
        TorchSharp.torch.manual_seed(5);
        using (var m = new Models.InceptionI3D(2))
            Weights.Checkpoints.Save(m, model);
        File.WriteAllLines(_files.Path("names.txt"), ["left", "right"]);
        var video = _files.Video("clip.avi", frames: 8);
        var run = await ToolRun.RunAsync("classify", video, "--model", model, "--classes", _files.Path("names.txt"), "--crop", "0", "--json");
        run.ExitCode.Should().Be(0, run.ToString());
        run.Json.GetProperty("videos")[0].GetProperty("top").EnumerateArray().Select(s => s.GetProperty("name").GetString()).Should().BeEquivalentTo("left", "right");
    }
}
