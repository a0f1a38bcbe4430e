using I3D.Net.Training;
using TorchSharp;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class FreezingAndAccumulationTests
{
    private static async Task<(Dictionary<string, torch.Tensor> Before, Dictionary<string, torch.Tensor> After)> Train(TrainingOptions options, TinyClassifier? model = null)
    {
        model ??= new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var before = Snapshot(model);
        await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: options);
        return (before, Snapshot(model));
    }

    private static IEnumerable<string> Changed(Dictionary<string, torch.Tensor> before, Dictionary<string, torch.Tensor> after) =>
        before.Keys.Where(k => Differs(before[k], after[k])).Order();

    [Fact]
    public async Task TrainFromMixed4bFreezesEarlierEndpointsIncludingTheirBatchNormStatistics()
    {
        var (before, after) = await Train(new TrainingOptions { Device = TestDevice.Name, Freeze = { TrainFromEndpoint = "Mixed_4b" } });
        var changed = Changed(before, after).ToList();
        changed.Should().NotContain(k => k.StartsWith("Conv3d_1a_7x7.", StringComparison.Ordinal));
        changed.Should().Contain(["Mixed_4b.conv3d.weight", "Mixed_4b.bn.weight", "Mixed_4b.bn.running_mean", "logits.conv3d.weight", "logits.conv3d.bias"]);
    }

    [Fact]
    public async Task TrainFromLogitsTrainsOnlyTheClassifier()
    {
        var (before, after) = await Train(new TrainingOptions { Device = TestDevice.Name, Freeze = { TrainFromEndpoint = "Logits" } });
        Changed(before, after).Should().Equal("logits.conv3d.bias", "logits.conv3d.weight");
    }

    [Fact]
    public async Task FrozenBatchNormStatisticsKeepRunningStatsButTrainWeights()
    {
        var (before, after) = await Train(new TrainingOptions { Device = TestDevice.Name, BatchNorm = BatchNormMode.FrozenStatistics });
        var changed = Changed(before, after).ToList();
        changed.Should().NotContain(k => k.Contains("running_") || k.Contains("num_batches_tracked"));
        changed.Should().Contain(["Conv3d_1a_7x7.conv3d.weight", "Conv3d_1a_7x7.bn.weight"]);
    }

    [Fact]
    public async Task AGroupWithZeroLearningRateStaysPut()
    {
        var (before, after) = await Train(new TrainingOptions
        {
            Device = TestDevice.Name, Optimizer = { WeightDecay = 0, Groups = [new ParameterGroupOptions("logits.", 0)] },
        });
        var changed = Changed(before, after).ToList();
        changed.Should().NotContain(k => k.StartsWith("logits.", StringComparison.Ordinal));
        changed.Should().Contain("Mixed_4b.conv3d.weight");
    }

    [Fact]
    public async Task FreezingEverythingIsAClearError()
    {
        var act = () => Train(new TrainingOptions { Device = TestDevice.Name, Freeze = { FrozenPrefixes = [""] } });
        await act.Should().ThrowAsync<ArgumentException>().WithMessage("*Every parameter is frozen*");
    }

    [Theory]
    [InlineData(OptimizerKind.Sgd)]
    [InlineData(OptimizerKind.AdamW)]
    public async Task AccumulatingTwoHalfBatchesEqualsOneFullBatch(OptimizerKind kind)
    {
        TrainingOptions Options(int accumulation) => new()
        {
            Epochs = 2, Device = TestDevice.Name, GradientAccumulationSteps = accumulation, BatchNorm = BatchNormMode.FrozenStatistics,
            Optimizer = { Kind = kind, LearningRate = kind == OptimizerKind.Sgd ? 0.1 : 0.01 },
        };
        async Task<Dictionary<string, torch.Tensor>> Run(int batchSize, int accumulation)
        {
            using var model = new TinyClassifier(dropoutProbability: 0);
            using var data = new SyntheticClipSource(samples: 8, batchSize: batchSize, shuffle: false);
            await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(accumulation));
            return Snapshot(model);
        }
        var full = await Run(4, 1);
        var accumulated = await Run(2, 2);
        var unaccumulated = await Run(2, 1);
        foreach (var (key, value) in full)
            accumulated[key].allclose(value, rtol: 1e-4, atol: 1e-6).Should().BeTrue($"'{key}' matches the full-batch run");
        full.Keys.Any(k => !unaccumulated[k].allclose(full[k], rtol: 1e-4, atol: 1e-6)).Should().BeTrue("without accumulation the runs differ");
    }

    [Fact]
    public async Task ClippingBoundsTheUpdate()
    {
        TrainingOptions Options(double? clip) => new() { Device = TestDevice.Name, MaxGradientNorm = clip, Optimizer = { Momentum = 0, WeightDecay = 0, LearningRate = 1 } };
        using var a = new TinyClassifier(dropoutProbability: 0);
        var (before, after) = await Train(Options(1e-3), a);
        // One step of plain SGD with lr 1: the update is the clipped gradient, whose global norm is at most 1e-3 per step (2 steps).
        var squared = before.Keys.Where(k => k.EndsWith("weight") || k.EndsWith("bias"))
            .Sum(k => (after[k] - before[k]).pow(2).sum().item<float>());
        Math.Sqrt(squared).Should().BeLessThanOrEqualTo(2e-3 * 1.0001);
    }
}
