using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TrainerFitTests
{
    [Fact]
    public async Task LossFallsAndAccuracyRisesOnTheSyntheticTask()
    {
        using var model = new TinyClassifier(dropoutProbability: 0.1);
        using var train = new SyntheticClipSource(samples: 32, batchSize: 8);
        using var val = new SyntheticClipSource(samples: 16, batchSize: 8, seed: 99, shuffle: false);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model));
        var options = new TrainingOptions { Epochs = 8, Device = TestDevice.Name, Optimizer = { LearningRate = 0.05 } };

        var steps = new List<TrainingProgress>();
        var result = await trainer.FitAsync(train, val, options, new SyncProgress<TrainingProgress>(steps.Add));

        result.StopReason.Should().Be(TrainingStopReason.Completed);
        result.Steps.Should().Be(32);
        steps.Should().HaveCount(32);
        steps.Select(s => s.Step).Should().BeInAscendingOrder();
        var first = result.History.Records[0].Metrics;
        var last = result.History.Records[^1].Metrics;
        last["train_loss"].Should().BeLessThan(first["train_loss"] * 0.6);
        last["val_loss"].Should().BeLessThan(first["val_loss"]);
        last["val_top1"].Should().BeGreaterThan(0.8);
    }

    [Fact]
    public async Task EvaluateAsyncMatchesTheFitValidationMetrics()
    {
        using var model = new TinyClassifier();
        using var train = new SyntheticClipSource(samples: 8, batchSize: 4);
        using var val = new SyntheticClipSource(samples: 8, batchSize: 4, seed: 3, shuffle: false);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), new TrainingOptions { Device = TestDevice.Name });
        var result = await trainer.FitAsync(train, val);
        var metrics = await trainer.EvaluateAsync(val);
        metrics.Loss.Should().Be(result.History.Records[^1].Metrics["val_loss"]);
        metrics.SampleCount.Should().Be(8);
        metrics.ConfusionMatrix.Sum(r => r.Sum()).Should().Be(8);
    }

    [Fact]
    public async Task WrongClassCountIsAClearError()
    {
        using var model = new TinyClassifier(numClasses: 3);
        using var train = new SyntheticClipSource(samples: 8, batchSize: 4, numClasses: 4);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), new TrainingOptions { Device = TestDevice.Name });
        var act = () => trainer.FitAsync(train);
        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*[4, 4]*found [4, 3]*");
    }

    [Fact]
    public async Task FlowModelWithoutFlowClipsIsAClearError()
    {
        using var model = new TinyClassifier(inChannels: 2);
        using var train = new NoFlowSource();
        var trainer = new I3DTrainer(ClassifierAdapter.Flow(model), new TrainingOptions { Device = TestDevice.Name });
        var act = () => trainer.FitAsync(train);
        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*flow clips*none*");
    }

    private sealed class NoFlowSource : I3D.Net.Data.IClipBatchSource, IDisposable
    {
        public int BatchesPerEpoch => 1;
        public IReadOnlyList<string> ClassNames { get; } = ["a", "b", "c", "d"];
        public async IAsyncEnumerable<I3D.Net.Data.ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new I3D.Net.Data.ClipBatch(TorchSharp.torch.zeros([2, 3, 2, 4, 4]), null, TorchSharp.torch.tensor(new long[] { 0, 1 }), [0, 1]);
        }
        public void Dispose() { }
    }
}

/// <summary>IProgress that reports synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
