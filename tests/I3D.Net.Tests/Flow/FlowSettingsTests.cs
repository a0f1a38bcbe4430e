using I3D.Net.Flow;

namespace I3D.Net.Tests.Flow;

public sealed class FlowSettingsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "i3d-flowsettings-" + Guid.NewGuid().ToString("N"));

    public FlowSettingsTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Describes_tvl1_with_its_parameters_and_round_trips_through_json()
    {
        var tvl1 = new TvL1OpticalFlow(new TvL1OpticalFlowOptions { Warps = 3, ScaleStep = 0.5 });
        var settings = FlowSettings.Describe(tvl1, new FlowExtractionOptions { Bound = 15, JpegQuality = 90, FrameSize = (340, 256) },
            sourceFps: 29.97, fps: 25) with { FramePairs = 41 };

        var json = settings.ToJson();
        var back = FlowSettings.FromJson(json);

        back.Should().Be(settings);
        back.Method.Should().Be(FlowMethod.TvL1);
        back.TvL1!.Warps.Should().Be(3);
        back.TvL1.ScaleStep.Should().Be(0.5);
        back.Farneback.Should().BeNull();
        (back.Bound, back.JpegQuality, back.FrameWidth, back.FrameHeight, back.SourceFps, back.Fps).Should().Be((15.0, 90, 340, 256, 29.97, 25.0));
        json.Should().Contain("\"method\": \"tvL1\"").And.Contain("\"sourceFps\": 29.97");
        back.CreateMethod().Should().BeOfType<TvL1OpticalFlow>().Which.Options.Should().Be(tvl1.Options);
    }

    [Fact]
    public void Farneback_and_custom_methods_are_recorded_and_only_built_in_ones_can_be_recreated()
    {
        var farneback = FlowSettings.Describe(new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 2 }), sourceFps: 30);
        farneback.Fps.Should().Be(30, "without resampling the flow rate is the source rate");
        farneback.CreateMethod().Should().BeOfType<FarnebackOpticalFlow>().Which.Options.Levels.Should().Be(2);

        var custom = FlowSettings.Describe(new ZeroFlow(), sourceFps: 24);
        custom.Method.Should().Be(FlowMethod.Custom);
        custom.CustomMethod.Should().Be(typeof(ZeroFlow).FullName);
        FlowSettings.FromJson(custom.ToJson()).Should().Be(custom);
        var create = () => custom.CreateMethod();
        create.Should().Throw<NotSupportedException>().WithMessage($"*{typeof(ZeroFlow).FullName}*");
    }

    [Fact]
    public void Save_and_TryLoad_use_flow_json_in_the_folder_and_a_missing_file_is_null()
    {
        FlowSettings.TryLoad(_root).Should().BeNull();
        var settings = FlowSettings.Describe(new FarnebackOpticalFlow(), sourceFps: 24) with { FramePairs = 9 };

        var path = settings.Save(_root);

        path.Should().Be(Path.Combine(_root, "flow.json"));
        FlowSettings.TryLoad(_root).Should().Be(settings);
        Directory.EnumerateFiles(_root).Select(Path.GetFileName).Should().Equal("flow.json");
    }

    [Theory]
    [InlineData("{ \"method\": \"tvL1\", \"bound\": -3 }", "Bound")]
    [InlineData("{ \"method\": \"magic\" }", "FlowMethod*method")]
    [InlineData("{ \"version\": 7 }", "Version")]
    [InlineData("{ \"fps\": \"fast\" }", "fps")]
    [InlineData("null", "null")]
    [InlineData("{ \"method\": \"custom\" }", "CustomMethod")]
    [InlineData("{ \"frameWidth\": 320 }", "FrameWidth")]
    public void Bad_files_give_an_error_naming_the_file_and_the_problem(string json, string expected)
    {
        File.WriteAllText(Path.Combine(_root, "flow.json"), json);

        var load = () => FlowSettings.TryLoad(_root);

        load.Should().Throw<InvalidDataException>().WithMessage($"*{Path.Combine(_root, "flow.json")}*{expected}*");
    }

    [Fact]
    public void Same_preprocessing_ignores_the_per_video_source_rate_and_pair_count_but_not_the_method_or_rate()
    {
        var a = FlowSettings.Describe(new TvL1OpticalFlow(), sourceFps: 30, fps: 25) with { FramePairs = 10 };

        a.SamePreprocessing(a with { SourceFps = 24, FramePairs = 99 }).Should().BeTrue();
        a.SamePreprocessing(a with { Fps = 30 }).Should().BeFalse();
        a.SamePreprocessing(a with { Bound = 10 }).Should().BeFalse();
        a.SamePreprocessing(a with { TvL1 = new TvL1OpticalFlowOptions { Warps = 1 } }).Should().BeFalse();
        a.SamePreprocessing(FlowSettings.Describe(new FarnebackOpticalFlow(), sourceFps: 30, fps: 25)).Should().BeFalse();
    }

    private sealed class ZeroFlow : IOpticalFlow
    {
        public TorchSharp.torch.Tensor Compute(TorchSharp.torch.Tensor previous, TorchSharp.torch.Tensor next) =>
            TorchSharp.torch.zeros(previous.shape[0], 2, previous.shape[1], previous.shape[2]);
    }
}
