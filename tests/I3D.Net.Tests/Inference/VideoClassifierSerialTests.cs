using System.Runtime.CompilerServices;
using FluentAssertions;
using I3D.Net.Data;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Tests.Data;
using I3D.Net.Tests.Training;
using I3D.Net.Training;
using I3D.Net.Weights;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

/// <summary>Classifier tests that train or count live tensors process-wide: they run alone.</summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
[Trait(TestDevice.Needs, TestDevice.OpenCv)]
public sealed class VideoClassifierSerialTests : IDisposable
{
    private static readonly string[] Names = ["walk", "run", "jump"];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_classifier_disposes_every_tensor_it_creates()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 10);
        var settings = FlowSettings.Describe(new TvL1OpticalFlow(InferenceTestData.FastTvL1));
        using var model = InferenceTestData.TwoStreamModel();
        using (var warmUp = new VideoClassifier(model, Names, InferenceTestData.Small, settings))
            warmUp.Predict(video);
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var before = Tensor.TotalCount;
        using (var classifier = new VideoClassifier(model, Names, InferenceTestData.Small with { Crops = 3, BatchSize = 2 }, settings))
        {
            classifier.Predict(video);
            classifier.PredictTimeline(video, TimeSpan.FromSeconds(0.2), TimeSpan.FromSeconds(0.1));
        }
        using (var classifier = new VideoClassifier(model, Names, InferenceTestData.Small with { Sampling = TemporalSampling.Clips, Clips = 2, ClipLength = 4 }, settings))
            classifier.Predict(video);
        // Six windows were read (1 whole video, 3 timeline windows, 2 clips). The data pipeline's RGB decoder
        // (FrameGather's Tensor.storage) leaves one wrapper per read to the finalizer; everything the classifier creates is disposed.
        Tensor.TotalCount.Should().BeLessThanOrEqualTo(before + 6, "every frame, flow, clip and logits tensor is disposed");
        model.Rgb.LogitsLayer!.Convolution.weight!.IsInvalid.Should().BeFalse("a model passed in stays the caller's");

        // A loaded model is the classifier's: disposing the classifier disposes its weights.
        var path = _folder.File("two.safetensors");
        Checkpoints.Save(model, path, Names, settings);
        var loaded = VideoClassifier.Load(path, InferenceTestData.Small);
        var weight = ((TwoStreamI3D)loaded.Model).Flow.LogitsLayer!.Convolution.weight!;
        loaded.Predict(video);
        loaded.Dispose();
        weight.IsInvalid.Should().BeTrue();
        FluentActions.Invoking(() => loaded.Predict(video)).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public async Task A_trainer_checkpoint_loads_with_its_class_names_and_flow_settings()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 10);
        var settings = FlowSettings.Describe(new TvL1OpticalFlow(InferenceTestData.FastTvL1));
        using var model = InferenceTestData.TwoStreamModel();
        var checkpoints = _folder.File("checkpoints");
        var trainer = new I3DTrainer(ClassifierAdapter.TwoStream(model), new TrainingOptions
        {
            Epochs = 1, Device = TestDevice.Name, Optimizer = new OptimizerOptions { LearningRate = 1e-9 }, BatchNorm = BatchNormMode.FrozenStatistics,
            Checkpoint = new CheckpointOptions { Directory = checkpoints, EverySteps = 1 },
        });
        await trainer.FitAsync(new RandomTwoStreamClips(settings));
        var folder = new CheckpointStore(checkpoints).List().Should().ContainSingle().Subject;

        using var trained = new VideoClassifier(model, Names, InferenceTestData.Small with { ShortSide = 48, CropSize = 48 }, settings);
        var expected = trained.Predict(video).Logits;
        foreach (var path in new[] { folder, checkpoints })
        {
            using var loaded = VideoClassifier.Load(path, InferenceTestData.Small with { ShortSide = 48, CropSize = 48 });
            loaded.ClassNames.Should().Equal(Names);
            loaded.Flow.Should().Be(settings, "the trainer recorded the source's flow settings");
            VideoClassifierTests.ShouldMatch(loaded.Predict(video).Logits, expected);
        }
    }

    /// <summary>One batch of two random two-stream clips, with flow made by <paramref name="settings"/>.</summary>
    private sealed class RandomTwoStreamClips(FlowSettings settings) : IClipBatchSource
    {
        public int BatchesPerEpoch => 1;

        public IReadOnlyList<string> ClassNames => Names;

        public FlowSettings? FlowSettings => settings;

        public async IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            var generator = new Generator(42 + (ulong)epoch);
            yield return new ClipBatch(rand([2, 3, 8, 32, 32], generator: generator) * 2 - 1,
                rand([2, 2, 8, 32, 32], generator: generator) * 2 - 1, tensor(new long[] { 0, 2 }), [0, 1]);
        }
    }
}
