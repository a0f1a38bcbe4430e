using I3D.Net.Training;
using TorchSharp;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

/// <summary>Issue 14, item 13: the Stop policy must not leave (or checkpoint) the BatchNorm statistics of the NaN batch.</summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class NonFiniteStopTests
{
    private sealed class SnapshotAt(long step) : ITrainingCallback
    {
        public Dictionary<string, torch.Tensor>? Values { get; private set; }
        public void OnStepEnd(StepEndContext context)
        {
            if (context.Progress.Step == step) Values = Snapshot(context.Module);
        }
    }

    [Theory]
    [InlineData(NonFiniteLossPolicy.Stop)]
    [InlineData(NonFiniteLossPolicy.Throw)]
    public async Task TheStatisticsOfTheNaNBatchAreRolledBackInTheModelAndTheCheckpoint(NonFiniteLossPolicy policy)
    {
        var dir = TempDir();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        data.NaNBatches.Add((0, 2));
        var before = new SnapshotAt(2);
        var options = new TrainingOptions
        {
            Epochs = 1, Device = TestDevice.Name, NonFiniteLoss = policy, Optimizer = { LearningRate = 0.05 },
            Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1, KeepLast = 5 },
        };
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [before]);
        if (policy == NonFiniteLossPolicy.Stop)
            (await trainer.FitAsync(data, options: options)).StopReason.Should().Be(TrainingStopReason.NonFiniteLoss);
        else
            await trainer.Invoking(t => t.FitAsync(data, options: options)).Should().ThrowAsync<NonFiniteLossException>();

        var statistics = before.Values!.Keys.Where(k => k.EndsWith(".running_mean", StringComparison.Ordinal) || k.EndsWith(".running_var", StringComparison.Ordinal)).ToList();
        statistics.Should().NotBeEmpty();
        var after = Snapshot(model);
        foreach (var key in statistics)
        {
            after[key].isfinite().all().item<bool>().Should().BeTrue($"'{key}' must stay finite after the NaN batch");
            Differs(after[key], before.Values[key]).Should().BeFalse($"'{key}' must be restored to its value before the NaN batch");
        }

        // The checkpoint of the stop (step 3) holds the same statistics, so a resumed run evaluates to finite values.
        var store = new CheckpointStore(dir);
        var latest = store.List()[^1];
        using var reloaded = new TinyClassifier(seed: 99);
        store.LoadWeights(latest, reloaded);
        var saved = Snapshot(reloaded);
        foreach (var key in statistics)
            Differs(saved[key], before.Values[key]).Should().BeFalse($"the checkpoint's '{key}' must be the value before the NaN batch");
    }
}
