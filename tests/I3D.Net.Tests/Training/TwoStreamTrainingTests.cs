using I3D.Net.Training;
using TorchSharp;
using static I3D.Net.Tests.Training.TrainingTestHelpers;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TwoStreamTrainingTests
{
    /// <summary>Flatten → linear: no BatchNorm, no dropout, so the first loss can be computed by hand.</summary>
    private sealed class LinearClassifier : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Linear logits;
        public LinearClassifier(long inFeatures, int numClasses, long seed) : base(nameof(LinearClassifier))
        {
            using (random.manual_seed(seed)) { }
            logits = nn.Linear(inFeatures, numClasses);
            RegisterComponents();
        }
        public override Tensor forward(Tensor x) => logits.forward(x.flatten(1));
    }

    [Theory]
    [InlineData(TwoStreamTrainingMode.Joint)]
    [InlineData(TwoStreamTrainingMode.Separate)]
    public async Task BothStreamsTrainAndTheFirstLossIsTheModesObjective(TwoStreamTrainingMode mode)
    {
        using var rgb = new LinearClassifier(3 * 2 * 4 * 4, 4, 1);
        using var flow = new LinearClassifier(2 * 2 * 4 * 4, 4, 2);
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4, frames: 2, size: 4);
        var adapter = ClassifierAdapter.TwoStream(rgb, flow);
        adapter.Module.state_dict().Keys.Should().BeEquivalentTo(["rgb.logits.weight", "rgb.logits.bias", "flow.logits.weight", "flow.logits.bias"]);

        double expected;
        await using (var e = data.ReadEpochAsync(0).GetAsyncEnumerator())
        {
            await e.MoveNextAsync();
            using var batch = e.Current;
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var r = rgb.forward(batch.Rgb!);
            var f = flow.forward(batch.Flow!);
            expected = mode == TwoStreamTrainingMode.Joint
                ? nn.functional.cross_entropy(r + f, batch.Labels).item<float>()
                : (nn.functional.cross_entropy(r, batch.Labels) + nn.functional.cross_entropy(f, batch.Labels)).item<float>();
        }
        var before = Snapshot(adapter.Module);
        var seen = new List<TrainingProgress>();
        await new I3DTrainer(adapter).FitAsync(data, options: new TrainingOptions { Device = TestDevice.Name, TwoStream = mode },
            progress: new SyncProgress<TrainingProgress>(seen.Add));
        seen[0].Loss.Should().Be(expected);
        var after = Snapshot(adapter.Module);
        before.Keys.Should().OnlyContain(k => Differs(before[k], after[k]));
    }

    [Fact]
    public async Task FreezingByEndpointAppliesToBothStreams()
    {
        using var rgb = new TinyClassifier(inChannels: 3);
        using var flow = new TinyClassifier(inChannels: 2, seed: 5);
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var adapter = ClassifierAdapter.TwoStream(rgb, flow);
        var before = Snapshot(adapter.Module);
        await new I3DTrainer(adapter).FitAsync(data, options: new TrainingOptions { Device = TestDevice.Name, Freeze = { TrainFromEndpoint = "Logits" } });
        var after = Snapshot(adapter.Module);
        before.Keys.Where(k => Differs(before[k], after[k])).Order().Should().Equal(
            "flow.logits.conv3d.bias", "flow.logits.conv3d.weight", "rgb.logits.conv3d.bias", "rgb.logits.conv3d.weight");
    }
}
