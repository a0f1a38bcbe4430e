using I3D.Net.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static I3D.Net.Tests.Training.TrainingTestHelpers;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training.Optimizers;

[Collection(TrainingCollection.Name)]
public sealed class FlatAdamWTests : IDisposable
{
    private readonly OptimizerSteps steps = new();

    public void Dispose() => steps.Dispose();

    /// <summary>Two groups: the head at 3× the rate with its own weight decay, as the trainer builds them.</summary>
    private static List<AdamW.ParamGroup> Groups(TinyClassifier model)
    {
        var named = model.named_parameters().ToList();
        return
        [
            new AdamW.ParamGroup(named.Where(p => !p.name.StartsWith("logits.", StringComparison.Ordinal)).Select(p => p.parameter), 0.01, 0.9, 0.999, 1e-8, 1e-2),
            new AdamW.ParamGroup(named.Where(p => p.name.StartsWith("logits.", StringComparison.Ordinal)).Select(p => p.parameter), 0.03, 0.8, 0.99, 1e-6, 0.0),
        ];
    }

    [Fact]
    public void FollowsAdamWBitForBit()
    {
        using var reference = new TinyClassifier(seed: 3);
        using var flat = new TinyClassifier(seed: 3);
        using var adamW = new AdamW(Groups(reference), 0.01);
        using var flatAdamW = new FlatAdamW(Groups(flat), 0.01);

        steps.Run(reference, adamW, 0, 4);
        steps.Run(flat, flatAdamW, 0, 4);

        Differs(Snapshot(flat)["Mixed_4b.conv3d.weight"], Snapshot(new TinyClassifier(seed: 3))["Mixed_4b.conv3d.weight"]).Should().BeTrue();
        ShouldBeBitIdentical(Snapshot(flat), Snapshot(reference));
    }

    [Fact]
    public void SavedStateResumesExactly()
    {
        using var straight = new TinyClassifier(seed: 9);
        using (var adamW = new FlatAdamW(Groups(straight), 0.01))
            steps.Run(straight, adamW, 0, 5);

        using var first = new TinyClassifier(seed: 9);
        using var stream = new MemoryStream();
        using (var adamW = new FlatAdamW(Groups(first), 0.01))
        {
            steps.Run(first, adamW, 0, 3);
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            adamW.save_state_dict(writer);
            steps.Run(first, adamW, 3, 4); // saving does not disturb the run
        }
        using var resumed = new TinyClassifier(seed: 1);
        using var reference = new TinyClassifier(seed: 9);
        using (var adamW = new FlatAdamW(Groups(reference), 0.01)) steps.Run(reference, adamW, 0, 3);
        OptimizerSteps.CopyState(reference, resumed);
        using (var adamW = new FlatAdamW(Groups(resumed), 0.01))
        {
            stream.Position = 0;
            using var reader = new BinaryReader(stream);
            adamW.load_state_dict(reader);
            steps.Run(resumed, adamW, 3, 5);
        }

        ShouldBeBitIdentical(Snapshot(resumed), Snapshot(straight));
    }

    [Fact]
    public void AmsgradIsRejected()
    {
        using var model = new TinyClassifier(seed: 5);
        var act = () => new FlatAdamW([new AdamW.ParamGroup(model.parameters(), amsgrad: true)]);

        act.Should().Throw<ArgumentException>().WithMessage("*amsgrad*AdamW*");
    }
}
