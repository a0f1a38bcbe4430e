using I3D.Net.Models;
using I3D.Net.Training;
using TorchSharp;
using static I3D.Net.Tests.Training.TrainingTestHelpers;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class MixedPrecisionTests(ITestOutputHelper output)
{
    /// <summary>
    /// A TinyClassifier adapter whose compute copy (same architecture and dropout, different initial weights: they are
    /// overwritten from the masters) records the dtype of each input it sees.
    /// </summary>
    private static ClassifierAdapter Adapter(TinyClassifier model, List<ScalarType>? seen = null, int numClasses = 4, double dropout = 0.5) =>
        ClassifierAdapter.Rgb(model).WithComputeCopy(() =>
            new RecordingAdapter(new TinyClassifier(numClasses, dropoutProbability: dropout, seed: 1234), seen ?? []));

    private static TrainingOptions Options(TrainingPrecision precision, int epochs = 1) => new()
    {
        Epochs = epochs, Device = TestDevice.Name, Precision = precision, Optimizer = { LearningRate = 0.05 },
    };

    [Fact]
    public async Task Bf16TrainingUpdatesTheFloat32MastersInPlaceAndComputesInBf16()
    {
        using var model = new TinyClassifier(seed: 3);
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var before = Snapshot(model);
        var seen = new List<ScalarType>();

        await new I3DTrainer(Adapter(model, seen)).FitAsync(data, options: Options(TrainingPrecision.BFloat16Mixed));

        seen.Should().HaveCount(4).And.OnlyContain(t => t == ScalarType.BFloat16, "the compute copy runs on bf16 inputs");
        // The optimizer stepped the model's own Parameter objects: nothing else can have written to them.
        var after = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        after.Keys.Should().BeEquivalentTo(parameters.Keys);
        foreach (var (name, p) in parameters)
        {
            after[name].Should().BeSameAs(p, $"'{name}' is still the object the optimizer was given");
            p.dtype.Should().Be(ScalarType.Float32, $"'{name}' is a float32 master");
            Differs(p.detach(), before[name]).Should().BeTrue($"'{name}' was trained");
            p.grad?.dtype.Should().Be(ScalarType.Float32);
        }
        // BatchNorm statistics are float32 and were updated by the bf16 forward passes.
        foreach (var key in new[] { "Conv3d_1a_7x7.bn.running_mean", "Conv3d_1a_7x7.bn.running_var", "Mixed_4b.bn.running_mean", "Mixed_4b.bn.running_var" })
        {
            var now = model.state_dict()[key];
            now.dtype.Should().Be(ScalarType.Float32);
            Differs(now, before[key]).Should().BeTrue($"'{key}' is updated");
        }
        model.state_dict()["Mixed_4b.bn.num_batches_tracked"].item<long>().Should().Be(4);
    }

    [Fact]
    public async Task FrozenBatchNormStatisticsStayUnchangedInBf16()
    {
        using var model = new TinyClassifier(seed: 3);
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var before = Snapshot(model);
        var options = Options(TrainingPrecision.BFloat16Mixed);
        options.BatchNorm = BatchNormMode.FrozenStatistics;
        await new I3DTrainer(Adapter(model)).FitAsync(data, options: options);
        var after = Snapshot(model);
        foreach (var key in before.Keys.Where(k => k.Contains(".bn.running_") || k.EndsWith("num_batches_tracked")))
            Differs(after[key], before[key]).Should().BeFalse($"'{key}' is frozen");
        Differs(after["logits.conv3d.weight"], before["logits.conv3d.weight"]).Should().BeTrue();
    }

    [Fact]
    public async Task ASkippedNonFiniteBf16StepLeavesMastersAndStatisticsUntouched()
    {
        using var model = new TinyClassifier(seed: 3);
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        data.NaNBatches.Add((0, 1)); // the bf16 forward puts NaN into the copy's BatchNorm statistics
        var snapshots = new Dictionary<long, Dictionary<string, Tensor>>();
        var spy = new SnapshotAtStepEnd(snapshots);
        var result = await new I3DTrainer(Adapter(model), callbacks: [spy]).FitAsync(data, options: Options(TrainingPrecision.BFloat16Mixed));

        result.SkippedSteps.Should().Be(1);
        ShouldBeBitIdentical(snapshots[2], snapshots[1]);
        Differs(snapshots[3]["Mixed_4b.bn.running_mean"], snapshots[2]["Mixed_4b.bn.running_mean"]).Should().BeTrue("training continues after a skip");
        foreach (var (key, value) in Snapshot(model))
            if (value.is_floating_point()) value.isfinite().all().item<bool>().Should().BeTrue($"'{key}' stays finite");
    }

    [Fact]
    public async Task Fp32AndBf16LossCurvesAgreeOnTheSyntheticTask()
    {
        async Task<double[]> Curve(TrainingPrecision precision)
        {
            using var model = new TinyClassifier(seed: 3, dropoutProbability: 0);
            using var data = new SyntheticClipSource(samples: 32, batchSize: 8);
            var result = await new I3DTrainer(Adapter(model, dropout: 0)).FitAsync(data, options: Options(precision, epochs: 8));
            return result.History.Records.Select(r => r.Metrics["train_loss"]).ToArray();
        }

        var fp32 = await Curve(TrainingPrecision.Float32);
        var bf16 = await Curve(TrainingPrecision.BFloat16Mixed);
        for (var e = 0; e < fp32.Length; e++)
            output.WriteLine($"| {e} | {fp32[e]:F4} | {bf16[e]:F4} | {bf16[e] - fp32[e]:+0.0000;-0.0000} |");

        fp32[^1].Should().BeLessThan(fp32[0] * 0.6, "fp32 learns the task");
        bf16[^1].Should().BeLessThan(bf16[0] * 0.6, "bf16 learns the task");
        // bf16 keeps 8 significant bits (rounding error up to 2^-9 ≈ 0.2% per value), so single-step gradients differ
        // by a few percent and the two runs drift apart slowly; measured here: at most 0.0008 in every epoch. The bound,
        // 0.01 + 2% of the fp32 loss, leaves room for other CPUs' bf16 kernels but fails on any real divergence (e.g. a
        // compute copy whose dropout differs from the model's drifts by 0.1-0.65).
        for (var e = 0; e < fp32.Length; e++)
            Math.Abs(bf16[e] - fp32[e]).Should().BeLessThan(0.01 + 0.02 * fp32[e], $"epoch {e}'s mean loss agrees");
        bf16.Should().NotEqual(fp32, "the bf16 run really computes in bf16");
    }

    [Fact]
    public async Task Bf16CheckpointHoldsOnlyFloat32MastersAndLoadsIntoAFloat32Model()
    {
        var dir = TempDir();
        using var model = new TinyClassifier(seed: 3);
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var options = Options(TrainingPrecision.BFloat16Mixed);
        options.Checkpoint = new CheckpointOptions { Directory = dir };
        var result = await new I3DTrainer(Adapter(model)).FitAsync(data, options: options);

        var header = I3D.Net.Weights.SafeTensors.SafeTensorsFile.ReadHeader(Path.Combine(result.LastCheckpoint!, CheckpointStore.WeightsFileName));
        header.Tensors.Select(t => t.Name).Should().BeEquivalentTo(model.state_dict().Keys);
        using var fresh = new TinyClassifier(seed: 77);
        new CheckpointStore(dir).LoadWeights(result.LastCheckpoint!, fresh);
        ShouldBeBitIdentical(Snapshot(fresh), Snapshot(model));
        fresh.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);

        // The same folder resumes as a float32 run, with a warning that the precision changed.
        var logger = new ListLogger<I3DTrainer>();
        options.Precision = TrainingPrecision.Float32;
        options.Epochs = 2;
        var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(fresh), logger: logger).FitAsync(data, options: options);
        resumed.ResumedFrom.Should().Be(result.LastCheckpoint);
        resumed.Steps.Should().Be(4);
        logger.Entries.Should().Contain(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("Precision = Float32") && e.Message.Contains("BFloat16Mixed"));
    }

    [Fact]
    [Trait("Category", "Heavy")] // a real two-stream I3D forward/backward in bf16 on the CPU
    public async Task TwoStreamI3DTrainsInBf16ThroughItsOwnComputeCopy()
    {
        using var model = new TwoStreamI3D(numClasses: 4);
        using var data = new SyntheticClipSource(samples: 2, batchSize: 2, frames: 9, size: 64);
        var options = new TrainingOptions
        {
            Device = TestDevice.Name, Precision = TrainingPrecision.BFloat16Mixed, Freeze = { TrainFromEndpoint = "Mixed_5c" },
        };
        var before = Snapshot(model);
        await new I3DTrainer(ClassifierAdapter.TwoStream(model)).FitAsync(data, options: options);
        var after = Snapshot(model);
        var changed = before.Keys.Where(k => Differs(before[k], after[k])).ToList();
        changed.Should().Contain(["rgb.logits.conv3d.weight", "flow.Mixed_5c.b0.bn.running_mean"]);
        changed.Should().OnlyContain(k => k.Contains("Mixed_5c.") || k.Contains("logits."));
        model.parameters().Should().OnlyContain(p => p.dtype == ScalarType.Float32);
    }

    [Fact]
    public async Task Bf16RunResumedAsBf16EndsBitIdenticalToAnUninterruptedOne()
    {
        static TrainingOptions ResumeOptions(string dir) => new()
        {
            Epochs = 2, Seed = 11, Device = TestDevice.Name, Precision = TrainingPrecision.BFloat16Mixed, MaxGradientNorm = 5,
            GradientAccumulationSteps = 2, Optimizer = { Kind = OptimizerKind.AdamW, LearningRate = 0.01 },
            Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1 },
        };
        using var straightModel = new TinyClassifier(seed: 3);
        using var straightData = new SyntheticClipSource(samples: 20, batchSize: 4);
        var straight = await new I3DTrainer(Adapter(straightModel)).FitAsync(straightData, options: ResumeOptions(TempDir()));

        var dir = TempDir();
        using (var firstModel = new TinyClassifier(seed: 3))
        using (var firstData = new SyntheticClipSource(samples: 20, batchSize: 4))
        using (var cts = new CancellationTokenSource())
        {
            var trainer = new I3DTrainer(Adapter(firstModel), callbacks: [new CancelAfterSteps(cts, 4)]); // mid-epoch 2
            var act = () => trainer.FitAsync(firstData, options: ResumeOptions(dir), cancellationToken: cts.Token);
            await act.Should().ThrowAsync<OperationCanceledException>();
        }
        using var resumedModel = new TinyClassifier(seed: 99);
        using var resumedData = new SyntheticClipSource(samples: 20, batchSize: 4);
        var resumed = await new I3DTrainer(Adapter(resumedModel)).FitAsync(resumedData, options: ResumeOptions(dir));

        resumed.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(4));
        ShouldBeBitIdentical(Snapshot(resumedModel), Snapshot(straightModel));
        resumed.History.ToJson().Should().Be(straight.History.ToJson());
    }

    [Fact]
    public async Task Bf16StepsKeepTheLiveTensorCountFlat()
    {
        using var model = new TinyClassifier(numClasses: 2);
        using var data = new SyntheticClipSource(samples: 100, batchSize: 2, numClasses: 2, frames: 2, size: 4, yieldBetweenBatches: false);
        var counts = new Dictionary<long, long>();
        var counter = new CountEvery(50, counts);
        var options = new TrainingOptions
        {
            Epochs = 4, Device = TestDevice.Name, Precision = TrainingPrecision.BFloat16Mixed, MaxGradientNorm = 1, GradientAccumulationSteps = 2,
        };
        var result = await new I3DTrainer(Adapter(model, numClasses: 2), callbacks: [counter]).FitAsync(data, options: options);
        result.Steps.Should().Be(100);
        counts.Should().HaveCount(2);
        counts.Values.Should().OnlyContain(c => c <= counts[50], "the live tensor count stays flat");
    }

    [Theory]
    [InlineData(TwoStreamTrainingMode.Joint)]
    [InlineData(TwoStreamTrainingMode.Separate)]
    public async Task TwoStreamsTrainInBf16WithFloat32Masters(TwoStreamTrainingMode mode)
    {
        using var rgb = new TinyClassifier(seed: 3);
        using var flow = new TinyClassifier(inChannels: 2, seed: 4);
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var adapter = ClassifierAdapter.TwoStream(rgb, flow)
            .WithComputeCopy(() => ClassifierAdapter.TwoStream(new TinyClassifier(seed: 5), new TinyClassifier(inChannels: 2, seed: 6)));
        var before = Snapshot(adapter.Module);
        var options = Options(TrainingPrecision.BFloat16Mixed);
        options.TwoStream = mode;
        await new I3DTrainer(adapter).FitAsync(data, options: options);

        var after = Snapshot(adapter.Module);
        foreach (var key in new[] { "rgb.Conv3d_1a_7x7.conv3d.weight", "flow.Conv3d_1a_7x7.conv3d.weight", "rgb.logits.conv3d.bias", "flow.Mixed_4b.bn.running_var" })
        {
            after[key].dtype.Should().Be(ScalarType.Float32);
            Differs(after[key], before[key]).Should().BeTrue($"'{key}' is trained");
        }
    }

    [Fact]
    public async Task Bf16WithoutAComputeCopyIsAClearError()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 4, batchSize: 4);
        var act = () => new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(TrainingPrecision.BFloat16Mixed));
        (await act.Should().ThrowAsync<ArgumentException>()).WithMessage("*BFloat16Mixed*compute copy*WithComputeCopy*");

        var wrong = ClassifierAdapter.Rgb(model).WithComputeCopy(() => ClassifierAdapter.Rgb(new TinyClassifier(numClasses: 5)));
        var act2 = () => new I3DTrainer(wrong).FitAsync(data, options: Options(TrainingPrecision.BFloat16Mixed));
        (await act2.Should().ThrowAsync<ArgumentException>()).WithMessage("*'logits.conv3d.weight' has shape [5, 8, 1, 1, 1]*[4, 8, 1, 1, 1]*");
    }

    [Fact]
    public void PrecisionIsValidatedAndI3DAdaptersBuildTheirOwnComputeCopy()
    {
        TrainingOptionsValidator.GetErrors(new TrainingOptions { Precision = (TrainingPrecision)7 }).Should().ContainMatch("*enum*");
        TrainingOptionsValidator.GetErrors(new TrainingOptions { Precision = TrainingPrecision.BFloat16Mixed, Device = TestDevice.Name }).Should().BeEmpty();

        using var i3d = new InceptionI3D(numClasses: 5, options: new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Conv3d_2b_1x1 });
        var copy = ClassifierAdapter.Rgb(i3d).CreateComputeCopy();
        copy.Should().NotBeNull();
        using var copied = copy!.Module;
        copied.Should().NotBeSameAs(i3d);
        copied.state_dict().Keys.Should().Equal(i3d.state_dict().Keys);
        using var tiny = new TinyClassifier();
        ClassifierAdapter.Rgb(tiny).CreateComputeCopy().Should().BeNull();
    }

    [Fact]
    public void WithAFloat32ComputeCopyTheMasterWeightPlumbingIsExact()
    {
        // The same steps as plain float32 training, bit for bit, when the copy computes in float32: refresh, statistics
        // and gradient hand-over lose nothing; with bf16 only the arithmetic differs.
        using var plain = new TinyClassifier(seed: 3);
        using var master = new TinyClassifier(seed: 3);
        using var copy = new BFloat16ComputeCopy(Adapter(master), CPU, ScalarType.Float32);
        copy.SyncModes();
        using var plainOptimizer = optim.SGD(plain.parameters(), 0.05, 0.9);
        using var masterOptimizer = optim.SGD(master.parameters(), 0.05, 0.9);
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        var step = 0;
        foreach (var batch in data.ReadEpochAsync(0).ToBlockingEnumerable())
        {
            using (batch)
            using (var scope = NewDisposeScope())
            {
                using (random.manual_seed(step)) { }
                nn.functional.cross_entropy(plain.forward(batch.Rgb!), batch.Labels).backward();
                using (random.manual_seed(step++)) { }
                copy.Refresh();
                var logits = copy.Adapter.ForwardStreams(batch, x => copy.PrepareInput(x, CPU))[0];
                copy.CopyStatisticsToMasters();
                nn.functional.cross_entropy(logits, batch.Labels).backward();
                copy.MoveGradientsToMasters();
                plainOptimizer.step();
                masterOptimizer.step();
                plainOptimizer.zero_grad();
                masterOptimizer.zero_grad();
            }
        }
        ShouldBeBitIdentical(Snapshot(master), Snapshot(plain));
        Differs(master.state_dict()["Mixed_4b.bn.running_var"], torch.ones(8)).Should().BeTrue();
    }

    /// <summary>An RGB adapter that records the dtype of every input it forwards.</summary>
    private sealed class RecordingAdapter(TinyClassifier model, List<ScalarType> seen) : ClassifierAdapter
    {
        public override nn.Module Module => model;

        public override IReadOnlyList<string> StreamPrefixes { get; } = [""];

        public override IReadOnlyList<Tensor> ForwardStreams(I3D.Net.Data.ClipBatch batch, Func<Tensor, Tensor> prepare)
        {
            var x = prepare(batch.Rgb!);
            seen.Add(x.dtype);
            return [model.forward(x)];
        }
    }

    private sealed class SnapshotAtStepEnd(Dictionary<long, Dictionary<string, Tensor>> snapshots) : ITrainingCallback
    {
        public void OnStepEnd(StepEndContext context) => snapshots[context.Progress.Step] = Snapshot(context.Module);
    }

    private sealed class CountEvery(long every, Dictionary<long, long> counts) : ITrainingCallback
    {
        public void OnStepEnd(StepEndContext context)
        {
            if (context.Progress.Step % every == 0) counts[context.Progress.Step] = torch.Tensor.TotalCount;
        }
    }
}
