using I3D.Net.Training;
using TorchSharp;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class CancellationAndMemoryTests
{
    [Fact]
    public async Task CancellationStopsWithinOneStepKeepsTheCheckpointAndReleasesTensors()
    {
        var dir = TrainingTestHelpers.TempDir();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 32, batchSize: 4);
        using var cts = new CancellationTokenSource();
        var cancel = new CancelAfterSteps(cts, 3);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [cancel]);
        var options = new TrainingOptions
        {
            Epochs = 2, Device = TestDevice.Name, Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 2 },
        };
        var before = torch.Tensor.TotalCount;

        var act = () => trainer.FitAsync(data, options: options, cancellationToken: cts.Token);
        await act.Should().ThrowAsync<OperationCanceledException>();

        cancel.LastStep.Should().Be(3, "no step runs after the one that saw the cancellation");
        data.BatchesRead.Should().BeLessThanOrEqualTo(4);
        var store = new CheckpointStore(dir);
        store.List().Select(Path.GetFileName).Should().Equal(CheckpointStore.NameFor(2));
        store.Verify(store.List()[0]);
        store.ReadState(store.List()[0]).BatchInEpoch.Should().Be(2);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        torch.Tensor.TotalCount.Should().BeLessThanOrEqualTo(before, "optimizer state and step tensors are released");
    }

    [Fact]
    public async Task AThousandStepsKeepTheLiveTensorCountFlat()
    {
        using var model = new TinyClassifier(numClasses: 2);
        using var data = new SyntheticClipSource(samples: 200, batchSize: 2, numClasses: 2, frames: 2, size: 4, yieldBetweenBatches: false);
        var counter = new CountAt(100, 200, 300, 400, 500, 600, 700, 800, 900, 1000);
        var options = new TrainingOptions
        {
            Epochs = 10, Device = TestDevice.Name, MaxGradientNorm = 1, Optimizer = { Kind = OptimizerKind.AdamW, LearningRate = 1e-3 },
        };
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [counter]).FitAsync(data, options: options);
        result.Steps.Should().Be(1000);
        counter.Counts.Should().HaveCount(10);
        // Garbage from before the run may be finalized along the way, so counts may drop, but never grow.
        counter.Counts.Values.Should().OnlyContain(c => c <= counter.Counts[100], "the live tensor count stays flat over 1,000 steps");
    }

    private sealed class CountAt(params long[] steps) : ITrainingCallback
    {
        public Dictionary<long, long> Counts { get; } = [];
        public void OnStepEnd(StepEndContext context)
        {
                        if (steps.Contains(context.Progress.Step)) Counts[context.Progress.Step] = torch.Tensor.TotalCount;
        }
    }
}

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class StaleGradientTests
{
    [Fact]
    public async Task GradientsLeftOnTheModelDoNotLeakIntoTheFirstStep()
    {
        static TrainingOptions Options() => new() { Device = TestDevice.Name, Optimizer = { Momentum = 0 } };
        using var clean = new TinyClassifier(dropoutProbability: 0);
        using var dirty = new TinyClassifier(dropoutProbability: 0);
        using (var g = torch.enable_grad())
        using (var scope = torch.NewDisposeScope())
        {
            dirty.eval(); // no BatchNorm statistics update, only gradients
            dirty.forward(torch.ones([2, 3, 4, 8, 8])).sum().backward(); // stale gradients, e.g. from a cancelled run
        }
        using var data = new SyntheticClipSource(samples: 4, batchSize: 4);
        await new I3DTrainer(ClassifierAdapter.Rgb(clean)).FitAsync(data, options: Options());
        await new I3DTrainer(ClassifierAdapter.Rgb(dirty)).FitAsync(data, options: Options());
        TrainingTestHelpers.ShouldBeBitIdentical(TrainingTestHelpers.Snapshot(dirty), TrainingTestHelpers.Snapshot(clean));
    }
}
