using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

/// <summary>Issue 14, item 16: metric names in the options are checked at startup, against the names that exist.</summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class MetricNameValidationTests
{
    [Fact]
    public void AMisspeltKeepBestByOrMonitorFailsOptionsValidationListingTheValidNames()
    {
        var options = new TrainingOptions
        {
            Checkpoint = new CheckpointOptions { Directory = TempDir(), KeepBestBy = "val_acc" },
            EarlyStopping = new EarlyStoppingOptions { Monitor = "val_los" },
        };
        var result = new TrainingOptionsValidator().Validate(null, options);
        result.Failed.Should().BeTrue();
        result.Failures.Should().Contain(f => f.Contains("KeepBestBy") && f.Contains("\"val_acc\"") && f.Contains("val_top1") && f.Contains("train_loss"));
        result.Failures.Should().Contain(f => f.Contains("EarlyStopping.Monitor") && f.Contains("\"val_los\"") && f.Contains("val_loss") && f.Contains("val_mean_class_accuracy"));

        foreach (var name in EpochMetricNames.All)
        {
            options.Checkpoint.KeepBestBy = name;
            options.EarlyStopping.Monitor = name;
            TrainingOptionsValidator.GetErrors(options).Should().BeEmpty($"'{name}' is a metric");
        }
    }

    [Fact]
    public async Task TheTrainerRefusesAMisspeltNameBeforeTheFirstBatch()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        using var val = new SyntheticClipSource(samples: 4, batchSize: 4, seed: 2, shuffle: false);
        var options = new TrainingOptions
        {
            Epochs = 2, Device = TestDevice.Name,
            Checkpoint = new CheckpointOptions { Directory = TempDir(), KeepBestBy = "val_top_1" },
        };
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model));
        (await trainer.Invoking(t => t.FitAsync(data, val, options)).Should().ThrowAsync<ArgumentException>())
            .WithMessage("*KeepBestBy*val_top_1*val_top1*");
        data.BatchesRead.Should().Be(0, "the name is checked before training starts");

        // The constructor validates its default options the same way.
        var construct = () => new I3DTrainer(ClassifierAdapter.Rgb(model), new TrainingOptions { EarlyStopping = new EarlyStoppingOptions { Monitor = "loss" } });
        construct.Should().Throw<ArgumentException>().WithMessage("*EarlyStopping.Monitor*\"loss\"*train_loss*");
    }

    [Fact]
    public async Task AValidationMetricWithoutAValidationSourceIsRefused()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model));
        var best = new TrainingOptions { Device = TestDevice.Name, Checkpoint = new CheckpointOptions { Directory = TempDir(), KeepBestBy = "val_loss" } };
        (await trainer.Invoking(t => t.FitAsync(data, null, best)).Should().ThrowAsync<ArgumentException>())
            .WithMessage("*KeepBestBy*val_loss*no validation source*");
        var early = new TrainingOptions { Device = TestDevice.Name, EarlyStopping = new EarlyStoppingOptions { Monitor = "val_top1" } };
        (await trainer.Invoking(t => t.FitAsync(data, null, early)).Should().ThrowAsync<ArgumentException>())
            .WithMessage("*Monitor*val_top1*no validation source*");
        data.BatchesRead.Should().Be(0);

        // A training metric works without validation.
        early.EarlyStopping.Monitor = EpochMetricNames.TrainLoss;
        early.Epochs = 1;
        (await trainer.FitAsync(data, null, early)).EpochsCompleted.Should().Be(1);
    }
}
