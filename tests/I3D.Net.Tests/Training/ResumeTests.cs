using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class ResumeTests
{
    private static TrainingOptions Options(string dir, OptimizerKind kind, int accumulation, bool flat = false, bool channelsLast = false) => new()
    {
        ChannelsLast = channelsLast,
        Epochs = 3,
        Seed = 11,
        Device = TestDevice.Name,
        GradientAccumulationSteps = accumulation,
        MaxGradientNorm = 5,
        Optimizer = { Kind = kind, FlatBuffers = flat, LearningRate = kind == OptimizerKind.Sgd ? 0.05 : 0.01, WeightDecay = 1e-4 },
        Schedule = { Kind = LearningRateScheduleKind.Cosine, WarmupSteps = 2 },
        Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1, KeepLast = 2 },
    };

    [Theory]
    [InlineData(OptimizerKind.Sgd, 1, 5)]   // mid-epoch (5 batches per epoch of 20 samples / 4)
    [InlineData(OptimizerKind.Sgd, 1, 10)]  // exactly at an epoch end
    [InlineData(OptimizerKind.AdamW, 2, 4)] // with accumulation, mid-epoch
    [InlineData(OptimizerKind.Sgd, 1, 5, true)]       // flat-buffer SGD
    [InlineData(OptimizerKind.Sgd, 2, 4, true, true)] // flat-buffer SGD on NDHWC weights, with accumulation
    [InlineData(OptimizerKind.AdamW, 1, 5, true, true)] // flat-buffer AdamW on NDHWC weights
    public async Task ResumedRunEndsBitIdenticalToAnUninterruptedOne(OptimizerKind kind, int accumulation, long interruptAfter, bool flat = false, bool channelsLast = false)
    {
        using var val = new SyntheticClipSource(samples: 8, batchSize: 4, seed: 5, shuffle: false);

        // Uninterrupted.
        using var straightModel = new TinyClassifier(seed: 3);
        using var straightData = new SyntheticClipSource(samples: 20, batchSize: 4);
        var straight = await new I3DTrainer(ClassifierAdapter.Rgb(straightModel))
            .FitAsync(straightData, val, Options(TempDir(), kind, accumulation, flat, channelsLast));

        // Interrupted by cancellation, then resumed into a fresh model from the checkpoint folder.
        var dir = TempDir();
        using (var firstModel = new TinyClassifier(seed: 3))
        using (var firstData = new SyntheticClipSource(samples: 20, batchSize: 4))
        using (var cts = new CancellationTokenSource())
        {
            var trainer = new I3DTrainer(ClassifierAdapter.Rgb(firstModel), callbacks: [new CancelAfterSteps(cts, interruptAfter)]);
            var act = () => trainer.FitAsync(firstData, val, Options(dir, kind, accumulation, flat, channelsLast), cancellationToken: cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>();
        }
        using var resumedModel = new TinyClassifier(seed: 99); // different init: everything must come from the checkpoint
        using var resumedData = new SyntheticClipSource(samples: 20, batchSize: 4);
        var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(resumedModel)).FitAsync(resumedData, val, Options(dir, kind, accumulation, flat, channelsLast));

        resumed.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(interruptAfter));
        resumed.Steps.Should().Be(straight.Steps);
        ShouldBeBitIdentical(Snapshot(resumedModel), Snapshot(straightModel));
        resumed.History.ToJson().Should().Be(straight.History.ToJson());
    }
}
