using I3D.Net.Training;
using Microsoft.Extensions.Logging;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TrainerStateAndLoggingTests
{
    [Fact]
    public async Task StateRoundTripsOptionsAndTheRunLogs()
    {
        var dir = TrainingTestHelpers.TempDir();
        var logger = new ListLogger<I3DTrainer>();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        using var val = new SyntheticClipSource(samples: 4, batchSize: 4, seed: 3, shuffle: false);
        var options = new TrainingOptions
        {
            Epochs = 3, Seed = 1234, Device = TestDevice.Name, ValidateEveryEpochs = 2, LogEverySteps = 1,
            Optimizer = { Kind = OptimizerKind.AdamW, LearningRate = 1e-3, Groups = [new ParameterGroupOptions("logits.", 2.0, 0.5)] },
            Schedule = { Kind = LearningRateScheduleKind.Piecewise, Boundaries = [2], Factors = [1, 0.5] },
            Checkpoint = new CheckpointOptions { Directory = dir },
        };
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model), logger: logger).FitAsync(data, val, options);

        result.History.Records.Select(r => r.Metrics.ContainsKey("val_loss")).Should().Equal(false, true, false);
        var state = new CheckpointStore(dir).ReadState(result.LastCheckpoint!);
        state.Seed.Should().Be(1234);
        state.Epoch.Should().Be(3);
        state.Options!.Optimizer.Kind.Should().Be(OptimizerKind.AdamW);
        state.Options.Optimizer.Groups.Should().Equal(new ParameterGroupOptions("logits.", 2.0, 0.5));
        state.Options.Schedule.Factors.Should().Equal(1, 0.5);
        state.History.Should().HaveCount(3);
        state.History[1].Metrics["val_top1"].Should().Be(result.History.Records[1].Metrics["val_top1"]);

        logger.Entries.Should().Contain(e => e.Level == LogLevel.Information && e.Message.StartsWith("Training on cpu for 3 epochs"));
        logger.Entries.Count(e => e.Message.StartsWith("Epoch ")).Should().Be(3);
        logger.Entries.Count(e => e.Message.StartsWith("Step ")).Should().Be(6);
        logger.Entries.Should().Contain(e => e.Message.StartsWith("Checkpoint written to") && e.Message.Contains(CheckpointStore.NameFor(6)));
    }

    [Fact]
    public async Task ResumingWithADifferentClassCountIsInvalidDataAndOtherChangesWarn()
    {
        var dir = TrainingTestHelpers.TempDir();
        using (var model = new TinyClassifier())
        using (var data = new SyntheticClipSource(samples: 8, batchSize: 4))
            await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: new TrainingOptions { Device = TestDevice.Name, Checkpoint = new() { Directory = dir } });

        using var three = new TinyClassifier(numClasses: 3);
        using var threeClasses = new SyntheticClipSource(samples: 6, batchSize: 3, numClasses: 3);
        var act = () => new I3DTrainer(ClassifierAdapter.Rgb(three)).FitAsync(threeClasses, options: new TrainingOptions { Device = TestDevice.Name, Checkpoint = new() { Directory = dir } });
        await act.Should().ThrowAsync<InvalidDataException>().WithMessage("*4 classes*has 3*");

        var logger = new ListLogger<I3DTrainer>();
        using var four = new TinyClassifier();
        using var data2 = new SyntheticClipSource(samples: 8, batchSize: 4);
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(four), logger: logger)
            .FitAsync(data2, options: new TrainingOptions { Epochs = 2, Seed = 5, Device = TestDevice.Name, Checkpoint = new() { Directory = dir } });
        result.ResumedFrom.Should().NotBeNull();
        result.Steps.Should().Be(4);
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("Seed = 5"));

        // Resume = false starts from scratch.
        using var fresh = new TinyClassifier();
        var restarted = await new I3DTrainer(ClassifierAdapter.Rgb(fresh))
            .FitAsync(data2, options: new TrainingOptions { Device = TestDevice.Name, Checkpoint = new() { Directory = dir, Resume = false } });
        restarted.ResumedFrom.Should().BeNull();
        restarted.Steps.Should().Be(2);
    }
}
