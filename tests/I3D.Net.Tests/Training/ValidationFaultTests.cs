using System.Runtime.CompilerServices;
using I3D.Net.Data;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Tests.Data;
using I3D.Net.Tests.Data.Loading;
using I3D.Net.Training;
using Microsoft.Extensions.Logging;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

/// <summary>
/// Issue 14, item 15: one unreadable validation video must not throw away the epoch. The epoch's checkpoint is written
/// before validation, and evaluation loaders skip unreadable items within the budget (logged), as training does.
/// </summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
[Trait(TestDevice.Needs, TestDevice.OpenCv)]
public class ValidationFaultTests(SyntheticDatasetFixture data) : IClassFixture<SyntheticDatasetFixture>
{
    [Fact]
    public async Task TheEpochIsCheckpointedBeforeValidationSoAFailedValidationLosesNoTraining()
    {
        var dir = TempDir();
        using var train = new SyntheticClipSource(samples: 8, batchSize: 4);
        using var good = new SyntheticClipSource(samples: 4, batchSize: 4, seed: 3, shuffle: false);
        var broken = new FailingSource(good);
        var options = new TrainingOptions
        {
            Epochs = 1, Device = TestDevice.Name, Optimizer = { LearningRate = 0.05 },
            Checkpoint = new CheckpointOptions { Directory = dir, EveryEpoch = true, KeepLast = 2 },
        };
        using (var model = new TinyClassifier())
        {
            var act = () => new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(train, broken, options);
            await act.Should().ThrowAsync<InvalidDataException>().WithMessage("*bad.mp4*");
        }
        var store = new CheckpointStore(dir);
        store.List().Select(Path.GetFileName).Should().Equal([CheckpointStore.NameFor(2)], "the epoch's training was saved before validation");
        var saved = store.ReadState(store.List()[0]);
        (saved.Epoch, saved.BatchInEpoch, saved.History.Count).Should().Be((0, 2, 0));

        // The rerun only validates: no training batch is read again, and the epoch's record has validation metrics.
        var readBefore = train.BatchesRead;
        using var resumedModel = new TinyClassifier();
        var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(resumedModel)).FitAsync(train, good, options);
        resumed.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(2));
        train.BatchesRead.Should().Be(readBefore);
        resumed.Steps.Should().Be(2);
        resumed.History.Records.Should().ContainSingle().Which.Metrics.Should().ContainKey("val_loss");
        store.ReadState(store.List()[^1]).History.Should().ContainSingle("the epoch end rewrote the step with its record");
    }

    [Fact]
    public async Task AnUnreadableValidationVideoIsSkippedAndLoggedWithTheEvaluationDefaults()
    {
        ClipLoaderOptions.Evaluation.OnUnreadable.Should().Be(UnreadableItemPolicy.Skip);
        using var tmp = new TempFolder();
        var missing = tmp.File("missing.mp4");
        var items = data.All.Items.Take(5).Append(new LabeledVideo(missing, 1)).ToArray();
        var loaderLog = new ListLogger<VideoClipLoader>();
        var validation = new VideoClipLoader(new VideoAnnotations(data.All.Classes, items), ClipLoaderOptions.Evaluation with
        {
            BatchSize = 3, ClipLength = 4, Workers = 1,
            Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 },
        }, loaderLog);
        using var train = new SyntheticClipSource(samples: 6, batchSize: 3, numClasses: data.All.Classes.Count, size: 32);

        using var model = new TinyClassifier(numClasses: data.All.Classes.Count);
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(train, validation,
            new TrainingOptions { Epochs = 1, Device = TestDevice.Name, Optimizer = { LearningRate = 0.01 } });
        result.History.Records.Should().ContainSingle().Which.Metrics.Should().ContainKey("val_top1");
        loaderLog.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains("missing.mp4"));
    }

    /// <summary>A validation source whose first batch fails as an unreadable video over the budget does.</summary>
    private sealed class FailingSource(IClipBatchSource inner) : IClipBatchSource
    {
        public int BatchesPerEpoch => inner.BatchesPerEpoch;
        public IReadOnlyList<string> ClassNames => inner.ClassNames;
        public async IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            throw new InvalidDataException("More than 0 unreadable items in epoch 0 (SkipBudget); the last was item 3 'bad.mp4'.");
#pragma warning disable CS0162 // an async iterator needs a yield
            yield break;
#pragma warning restore CS0162
        }
    }
}
