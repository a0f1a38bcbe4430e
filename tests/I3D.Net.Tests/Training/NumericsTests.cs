using I3D.Net.Training;
using TorchSharp;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class NumericsTests
{
    private sealed class SnapshotEveryStep : ITrainingCallback
    {
        public Dictionary<long, Dictionary<string, TorchSharp.torch.Tensor>> Snapshots { get; } = [];
        public List<TrainingProgress> Steps { get; } = [];
        public void OnStepEnd(StepEndContext context)
        {
            Snapshots[context.Progress.Step] = Snapshot(context.Module);
            Steps.Add(context.Progress);
        }
    }

    private static TrainingOptions Options(NonFiniteLossPolicy policy, int maxSkipped = 5) => new()
    {
        Epochs = 1, Device = TestDevice.Name, NonFiniteLoss = policy, MaxSkippedSteps = maxSkipped, Optimizer = { LearningRate = 0.05 },
    };

    [Fact]
    public async Task SkipLeavesParametersAndBatchNormStatisticsUntouched()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        data.NaNBatches.Add((0, 1));
        var spy = new SnapshotEveryStep();
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [spy]).FitAsync(data, options: Options(NonFiniteLossPolicy.Skip));

        result.StopReason.Should().Be(TrainingStopReason.Completed);
        result.SkippedSteps.Should().Be(1);
        spy.Steps.Select(s => s.Skipped).Should().Equal(false, true, false, false);
        ShouldBeBitIdentical(spy.Snapshots[2], spy.Snapshots[1]);
        Differs(spy.Snapshots[3]["logits.conv3d.weight"], spy.Snapshots[2]["logits.conv3d.weight"]).Should().BeTrue("training continues after a skip");
        foreach (var (key, value) in Snapshot(model))
            if (value.is_floating_point()) value.isfinite().all().item<bool>().Should().BeTrue($"'{key}' stays finite");
    }

    [Fact]
    public async Task StopEndsTheRunAndThrowThrows()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        data.NaNBatches.Add((0, 2));
        var stopped = await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(NonFiniteLossPolicy.Stop));
        stopped.StopReason.Should().Be(TrainingStopReason.NonFiniteLoss);
        stopped.Steps.Should().Be(3);

        var act = () => new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(NonFiniteLossPolicy.Throw));
        (await act.Should().ThrowAsync<NonFiniteLossException>()).WithMessage("*step 2*");

        var tooMany = () => new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(NonFiniteLossPolicy.Skip, maxSkipped: 0));
        (await tooMany.Should().ThrowAsync<NonFiniteLossException>()).WithMessage("*MaxSkippedSteps = 0*");
    }

    [Fact]
    public async Task EarlyStoppingStopsWhenTheMonitoredMetricStalls()
    {
        using var model = new TinyClassifier(dropoutProbability: 0);
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        using var val = new SyntheticClipSource(samples: 8, batchSize: 8, seed: 2, shuffle: false);
        var options = new TrainingOptions
        {
            Epochs = 6, Device = TestDevice.Name, BatchNorm = BatchNormMode.FrozenStatistics,
            Optimizer = { LearningRate = 1e-12 },
            EarlyStopping = new EarlyStoppingOptions { Monitor = "val_loss", Patience = 2, MinDelta = 1e-3 },
        };
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, val, options);
        result.StopReason.Should().Be(TrainingStopReason.EarlyStopped);
        result.EpochsCompleted.Should().Be(3);

        options.EarlyStopping.MinDelta = 0;
        options.EarlyStopping.Monitor = "val_top3";
        var act = () => new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, val, options);
        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*val_top3*val_top5*", "a misspelt monitor fails at startup (MetricNameValidationTests)");
    }

    [Fact]
    public async Task CallbacksCanStopTheRun()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [new StopAt(2)])
            .FitAsync(data, options: new TrainingOptions { Epochs = 2, Device = TestDevice.Name });
        result.StopReason.Should().Be(TrainingStopReason.StopRequested);
        result.Steps.Should().Be(2);
        result.EpochsCompleted.Should().Be(0);
    }

    private sealed class StopAt(long step) : ITrainingCallback
    {
        public void OnStepEnd(StepEndContext context)
        {
            if (context.Progress.Step == step) context.RequestStop();
        }
    }
}

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class ConcurrencyTests
{
    [Fact]
    public async Task ASecondConcurrentFitIsRejected()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var gate = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), new TrainingOptions { Device = TestDevice.Name }, callbacks: [new Block(gate, release)]);
        var first = Task.Run(() => trainer.FitAsync(data));
        await gate.Task;
        var second = () => trainer.FitAsync(data);
        await second.Should().ThrowAsync<InvalidOperationException>().WithMessage("*already running*");
        release.SetResult();
        (await first).Steps.Should().Be(2);
    }

    private sealed class Block(TaskCompletionSource gate, TaskCompletionSource release) : ITrainingCallback
    {
        public void OnStepEnd(StepEndContext context)
        {
            if (context.Progress.Step != 1) return;
            gate.SetResult();
            release.Task.Wait();
        }
    }
}
