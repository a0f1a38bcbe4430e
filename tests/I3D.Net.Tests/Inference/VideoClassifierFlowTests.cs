using FluentAssertions;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Tests.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

/// <summary>Flow computed in memory by the classifier against the flow the dataset path (FlowExtractor, then the loader) gives.</summary>
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
[Trait(TestDevice.Needs, TestDevice.OpenCv)]
public sealed class VideoClassifierFlowTests : IDisposable
{
    private static readonly string[] Names = ["walk", "run", "jump"];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Extracts flow folders for <paramref name="video"/> and returns the folder and the settings it was made with.</summary>
    private async Task<(string Folder, FlowSettings Settings)> Extract(string video, FlowExtractionOptions options, bool farneback = false)
    {
        IOpticalFlow method = farneback ? new FarnebackOpticalFlow() : new TvL1OpticalFlow(InferenceTestData.FastTvL1);
        var output = _folder.File("flow");
        var summary = await new FlowExtractor(method, options).ExtractAsync([video], output);
        summary.Failed.Should().BeEmpty();
        var folder = FlowExtractor.VideoFolder(output, Path.GetDirectoryName(Path.GetFullPath(video))!, video);
        // The settings the folder records (flow.json): what a checkpoint trained on it carries to the classifier.
        var recorded = FlowSettings.TryLoad(folder);
        recorded.Should().NotBeNull();
        recorded!.SamePreprocessing(FlowSettings.Describe(method, options) with { SourceFps = 25, Fps = 25 }).Should().BeTrue();
        return (folder, recorded);
    }

    private static ClipLoaderOptions LoaderOptions(ClipModality modality, int clipLength) => ClipLoaderOptions.Evaluation with
    {
        ClipLength = clipLength,
        Modality = modality,
        Transform = new ClipTransformOptions { ShortSide = 40, CropSize = 32 },
    };

    [Theory]
    [InlineData(95, false)]
    [InlineData(70, false)]
    [InlineData(95, true)]
    public async Task In_memory_flow_equals_the_flow_of_extracted_jpeg_folders(int jpegQuality, bool farneback)
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("walk.avi"), frames: 10);
        var (folder, settings) = await Extract(video, new FlowExtractionOptions { JpegQuality = jpegQuality }, farneback);
        settings.Method.Should().Be(farneback ? FlowMethod.Farneback : FlowMethod.TvL1);
        using var model = InferenceTestData.RgbModel(inChannels: 2);
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small, settings);

        using var sample = new VideoClipReader(LoaderOptions(ClipModality.Flow, 6)).Read(new LabeledVideo(video, 0) { FlowPath = folder }, 0, 0);
        using var source = new VideoClassifier.FrameSource(classifier, video);
        var (rgb, flow, clip) = source.Read(sample.FrameIndices[0], CancellationToken.None);
        using (flow)
        using (var cropped = source.Crop(flow!, 0))
        {
            rgb.Should().BeNull("a flow model reads no RGB");
            clip.Frames.Should().Equal(sample.FrameIndices[0], "flow pair k starts at frame k of a 25 fps video");
            cropped.shape.Should().Equal(sample.Flow!.shape);
            var difference = (cropped - sample.Flow!).abs().max().item<float>();
            difference.Should().Be(0, "the same flow method, quantisation, JPEG coding, resize and crop as FlowExtractor and the loader");
            sample.Flow!.abs().max().item<float>().Should().BeGreaterThan(0.05f, "the texture moves 2 px per frame");
        }
    }

    [Fact]
    public async Task Two_stream_prediction_equals_the_model_on_the_loaders_rgb_and_extracted_flow()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("walk.avi"), frames: 9);
        var (folder, settings) = await Extract(video, new FlowExtractionOptions());
        using var model = InferenceTestData.TwoStreamModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small, settings);

        var prediction = classifier.Predict(video);

        // 9 frames give 8 flow pairs: the whole video is frames 0–7 with their pairs 0→1 … 7→8.
        prediction.Clips.Should().ContainSingle().Which.Frames.Should().Equal(Enumerable.Range(0, 8));
        using var sample = new VideoClipReader(LoaderOptions(ClipModality.RgbAndFlow, 8)).Read(new LabeledVideo(video, 0) { FlowPath = folder }, 0, 0);
        float[] expected;
        using (var scope = NewDisposeScope())
        using (no_grad())
            expected = model.forward(sample.Rgb!, sample.Flow!).mean([0]).data<float>().ToArray();
        VideoClassifierTests.ShouldMatch(prediction.Logits, expected);
    }

    [Fact]
    public void Flow_without_jpeg_storage_is_used_unquantised_and_a_one_frame_video_is_refused()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("walk.avi"), frames: 6);
        var settings = FlowSettings.Describe(new TvL1OpticalFlow(InferenceTestData.FastTvL1)) with { Quantized = false, JpegQuality = null };
        using var model = InferenceTestData.RgbModel(inChannels: 2);
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small, settings);
        using var source = new VideoClassifier.FrameSource(classifier, video);
        var (_, flow, _) = source.Read([0, 1, 2], CancellationToken.None);
        using (flow)
        {
            // Values off the 8-bit grid: (v + 1) / 2 · 255 is not an integer for float flow.
            using var steps = (flow! + 1) / 2 * 255;
            (steps - steps.round()).abs().max().item<float>().Should().BeGreaterThan(0.01f);
        }

        var single = InferenceTestData.WriteMovingTexture(_folder.File("one.avi"), frames: 1);
        FluentActions.Invoking(() => classifier.Predict(single)).Should().Throw<InvalidDataException>().WithMessage("*1 frame(s)*optical flow needs at least 2*");
    }
}
