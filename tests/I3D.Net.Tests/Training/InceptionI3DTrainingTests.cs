using I3D.Net.Models;
using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class InceptionI3DTrainingTests
{
    [Fact]
    public void EndpointNamesMatchTheModelsEnum()
    {
        I3DEndpointKeys.Names.Should().Equal(Enum.GetNames<I3DEndpoint>());
    }

    [Fact]
    [Trait("Category", "Heavy")] // a real I3D forward/backward: ~10 s on two shared cores
    public async Task TwoStreamI3DTrainsFromMixed5cOnOneTinyBatchAndResumesFromSafeTensors()
    {
        using var model = new TwoStreamI3D(numClasses: 4);
        using var data = new SyntheticClipSource(samples: 2, batchSize: 2, frames: 9, size: 64);
        var dir = TempDir();
        var options = new TrainingOptions
        {
            Device = TestDevice.Name, Freeze = { TrainFromEndpoint = "Mixed_5c" }, BatchNorm = BatchNormMode.FrozenStatistics,
            Checkpoint = new CheckpointOptions { Directory = dir },
        };
        var before = Snapshot(model);
        var result = await new I3DTrainer(ClassifierAdapter.TwoStream(model)).FitAsync(data, options: options);

        var after = Snapshot(model);
        var changed = before.Keys.Where(k => Differs(before[k], after[k])).ToList();
        changed.Should().NotBeEmpty();
        changed.Should().OnlyContain(k => k.StartsWith("rgb.Mixed_5c.") || k.StartsWith("flow.Mixed_5c.") || k.StartsWith("rgb.logits.") || k.StartsWith("flow.logits."));
        changed.Should().Contain(["rgb.logits.conv3d.weight", "flow.logits.conv3d.weight"]);

        // The checkpoint's weights are a safetensors file holding the pytorch-i3d keys.
        var weights = Path.Combine(result.LastCheckpoint!, CheckpointStore.WeightsFileName);
        var header = I3D.Net.Weights.SafeTensors.SafeTensorsFile.ReadHeader(weights);
        header.Tensors.Select(t => t.Name).Should().Contain("rgb.Conv3d_1a_7x7.conv3d.weight").And.Contain("flow.logits.conv3d.bias");
        using var fresh = new TwoStreamI3D(numClasses: 4);
        new CheckpointStore(dir).LoadWeights(result.LastCheckpoint!, fresh);
        ShouldBeBitIdentical(Snapshot(fresh), after);
    }
}
