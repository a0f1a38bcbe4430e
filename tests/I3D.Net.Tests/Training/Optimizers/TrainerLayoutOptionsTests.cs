using I3D.Net.Layers;
using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training.Optimizers;

/// <summary><see cref="OptimizerOptions.FlatBuffers"/> and <see cref="TrainingOptions.ChannelsLast"/> in the trainer.</summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TrainerLayoutOptionsTests
{
    private static TrainingOptions Options(bool flat, bool channelsLast) => new()
    {
        Epochs = 2,
        Seed = 4,
        Device = TestDevice.Name,
        ChannelsLast = channelsLast,
        Optimizer = { FlatBuffers = flat, LearningRate = 0.05, WeightDecay = 1e-4, Nesterov = true, Groups = [new("logits.", 3.0)] },
    };

    private static async Task<(TrainingResult Result, Dictionary<string, TorchSharp.torch.Tensor> Weights, TinyClassifier Model)> Fit(bool flat, bool channelsLast)
    {
        var model = new TinyClassifier(seed: 3);
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        using var val = new SyntheticClipSource(samples: 8, batchSize: 4, seed: 5, shuffle: false);
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, val, Options(flat, channelsLast));
        return (result, Snapshot(model), model);
    }

    [Fact]
    public async Task FlatBuffersTrainExactlyAsPerTensorSgd()
    {
        var (plain, plainWeights, m1) = await Fit(flat: false, channelsLast: false);
        var (flat, flatWeights, m2) = await Fit(flat: true, channelsLast: false);
        using (m1) using (m2)
        {
            Differs(flatWeights["logits.conv3d.weight"], Snapshot(new TinyClassifier(seed: 3))["logits.conv3d.weight"]).Should().BeTrue();
            ShouldBeBitIdentical(flatWeights, plainWeights);
            flat.History.ToJson().Should().Be(plain.History.ToJson());
        }
    }

    [Fact]
    public async Task ChannelsLastTrainsTheSameFunctionAndLeavesWeightsNdhwc()
    {
        var (flat, flatWeights, m1) = await Fit(flat: true, channelsLast: false);
        var (cl, clWeights, m2) = await Fit(flat: true, channelsLast: true);
        using (m1) using (m2)
        {
            foreach (var (name, p) in m2.named_parameters().Where(p => p.parameter.ndim == 5 && p.parameter.shape.Skip(2).Any(s => s > 1)))
                ChannelsLast3d.IsApplied(p).Should().BeTrue($"'{name}' was trained in NDHWC strides");
            // Another convolution algorithm on the same numbers: equal up to float rounding.
            foreach (var (key, w) in clWeights)
                w.to_type(TorchSharp.torch.ScalarType.Float64).allclose(flatWeights[key].to_type(TorchSharp.torch.ScalarType.Float64), rtol: 1e-4, atol: 1e-5)
                    .Should().BeTrue($"'{key}' ends where the NCDHW run ends");
            cl.History.Records.Select(e => e.Metrics["val_loss"]).Should().Equal(flat.History.Records.Select(e => e.Metrics["val_loss"]), (a, b) => Math.Abs(a - b) < 1e-4);
        }
    }

    [Fact]
    public async Task MixedPrecisionWorksWithBothOptions()
    {
        // bf16 compute copy, float32 masters in the flat buffer: gradients are added into the flat gradient views.
        async Task<Dictionary<string, TorchSharp.torch.Tensor>> FitBf16(bool flat, bool channelsLast)
        {
            using var model = new TinyClassifier(seed: 3);
            using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
            var options = Options(flat, channelsLast);
            options.Precision = TrainingPrecision.BFloat16Mixed;
            var adapter = ClassifierAdapter.Rgb(model).WithComputeCopy(() => ClassifierAdapter.Rgb(new TinyClassifier(seed: 1234)));
            await new I3DTrainer(adapter).FitAsync(data, options: options);
            return Snapshot(model);
        }

        var plain = await FitBf16(flat: false, channelsLast: false);
        var flat = await FitBf16(flat: true, channelsLast: false);
        var channelsLast = await FitBf16(flat: true, channelsLast: true);

        Differs(flat["Mixed_4b.conv3d.weight"], Snapshot(new TinyClassifier(seed: 3))["Mixed_4b.conv3d.weight"]).Should().BeTrue();
        ShouldBeBitIdentical(flat, plain);
        // bf16 convolutions in another layout round differently: within bf16's precision of the NCDHW run.
        foreach (var (key, w) in channelsLast)
            if (w.is_floating_point())
                w.allclose(plain[key], rtol: 0.02, atol: 2e-3).Should().BeTrue($"'{key}' trains the same in NDHWC bf16");
    }

    [Fact]
    public void ValidatorExplainsTheRequirements()
    {
        TrainingOptionsValidator.GetErrors(new TrainingOptions { ChannelsLast = true, Optimizer = { Kind = OptimizerKind.AdamW, FlatBuffers = true } }).Should().BeEmpty();
        TrainingOptionsValidator.GetErrors(new TrainingOptions { ChannelsLast = true })
            .Should().ContainSingle().Which.Should().Match("*ChannelsLast needs Optimizer.FlatBuffers*");
        TrainingOptionsValidator.GetErrors(new TrainingOptions { ChannelsLast = true, Optimizer = { FlatBuffers = true } }).Should().BeEmpty();
    }
}
