using System.Runtime.CompilerServices;
using FluentAssertions;
using I3D.Net.Data;
using I3D.Net.Data.Annotations;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Tests.Data;
using I3D.Net.Training;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
[Trait(TestDevice.Needs, TestDevice.OpenCv)]
public sealed class VideoClassifierLoadTests : IDisposable
{
    private static readonly string[] Names = ["walk", "run", "jump"];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_weights_file_saved_with_class_names_loads_into_the_same_classifier()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 10);
        using var model = InferenceTestData.RgbModel();
        var path = _folder.File("rgb.safetensors");
        Checkpoints.Save(model, path, Names);
        SafeTensorsFile.ReadHeader(path).Metadata[Checkpoints.ClassNamesMetadataKey].Should().Be("walk\nrun\njump");

        using var original = new VideoClassifier(model, Names, InferenceTestData.Small);
        using var loaded = VideoClassifier.Load(path, InferenceTestData.Small);

        loaded.ClassNames.Should().Equal(Names);
        loaded.Model.Should().BeOfType<InceptionI3D>().Which.InChannels.Should().Be(3);
        loaded.ReadsFlow.Should().BeFalse();
        VideoClassifierTests.ShouldMatch(loaded.Predict(video).Logits, original.Predict(video).Logits);
    }

    [Fact]
    public void A_file_without_class_names_needs_them_given_or_beside_it()
    {
        using var model = InferenceTestData.RgbModel();
        var path = _folder.File("plain.safetensors");
        Checkpoints.Save(model, path);
        FluentActions.Invoking(() => VideoClassifier.Load(path, InferenceTestData.Small))
            .Should().Throw<InvalidDataException>().WithMessage("*records no class names for its 3 classes*classNames*class_map.json*Checkpoints.Save(model, path, classNames)*");

        using (var given = VideoClassifier.Load(path, InferenceTestData.Small, classNames: ["a", "b", "c"]))
            given.ClassNames.Should().Equal("a", "b", "c");
        FluentActions.Invoking(() => VideoClassifier.Load(path, InferenceTestData.Small, classNames: ["a", "b"]))
            .Should().Throw<InvalidDataException>().WithMessage("*3 classes*2*");

        new ClassMap(["x", "y", "z"]).Save(_folder.File("class_map.json"));
        using var beside = VideoClassifier.Load(path, InferenceTestData.Small);
        beside.ClassNames.Should().Equal("x", "y", "z");
    }

    [Fact]
    public void A_two_stream_file_carries_its_flow_settings()
    {
        using var model = InferenceTestData.TwoStreamModel();
        var settings = FlowSettings.Describe(new TvL1OpticalFlow(InferenceTestData.FastTvL1), new FlowExtractionOptions { JpegQuality = 90 });
        var path = _folder.File("two.safetensors");
        Checkpoints.Save(model, path, Names, settings);

        using var loaded = VideoClassifier.Load(path, InferenceTestData.Small);
        loaded.Model.Should().BeOfType<TwoStreamI3D>();
        loaded.ReadsRgb.Should().BeTrue();
        loaded.ReadsFlow.Should().BeTrue();
        loaded.Flow.Should().Be(settings);
    }

    [Fact]
    public void Something_else_is_refused_with_the_keys_found()
    {
        var path = _folder.File("other.safetensors");
        using (var scope = NewDisposeScope())
            SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["encoder.weight"] = zeros(2, 2) });
        FluentActions.Invoking(() => VideoClassifier.Load(path))
            .Should().Throw<InvalidDataException>().WithMessage("*not an I3D classifier*'encoder.weight'*");
        FluentActions.Invoking(() => VideoClassifier.Load(_folder.File("missing.safetensors")))
            .Should().Throw<FileNotFoundException>().WithMessage("*missing.safetensors*");
    }

    [Fact]
    public void FromPretrained_builds_a_classifier_with_the_weights_class_names_and_conventions()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 8);
        var path = _folder.File("kinetics400-rgb.safetensors");
        using (var model = new InceptionI3D(numClasses: 400))
            Checkpoints.Save(model, path);
        var pretrained = new PretrainedWeightsOptions { WeightsPath = path, CacheDirectory = _folder.File("cache"), AllowDownload = false };

        using var classifier = VideoClassifier.FromPretrained(I3DWeights.Kinetics400Rgb, InferenceTestData.Small, pretrained);
        classifier.ClassNames.Should().Equal(KineticsClasses.Kinetics400);
        classifier.ReadsFlow.Should().BeFalse();
        var prediction = classifier.Predict(video);
        prediction.Top.Should().HaveCount(5).And.OnlyContain(s => KineticsClasses.Kinetics400[s.Index] == s.Name);
        prediction.Logits.Should().HaveCount(400);

        using var defaults = VideoClassifier.FromPretrained(I3DWeights.Kinetics400Rgb, pretrained: pretrained);
        defaults.Options.Should().Be(VideoClassifierOptions.Default with { CropSize = 224, FramesPerSecond = 25 }, "the Kinetics conventions");
        VideoClassifier.KineticsFlow.Bound.Should().Be(20);
        VideoClassifier.KineticsFlow.Quantized.Should().BeFalse();
    }
}

