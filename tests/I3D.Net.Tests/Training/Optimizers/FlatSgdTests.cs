using I3D.Net.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static I3D.Net.Tests.Training.TrainingTestHelpers;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training.Optimizers;

[Collection(TrainingCollection.Name)]
public sealed class FlatSgdTests : IDisposable
{
    private readonly OptimizerSteps steps = new();

    public void Dispose() => steps.Dispose();

    /// <summary>Two groups (the head at 3× the rate, its own weight decay), as the trainer builds them.</summary>
    private static List<SGD.ParamGroup> Groups(TinyClassifier model, double lr, double momentum, double weightDecay, bool nesterov)
    {
        var named = model.named_parameters().ToList();
        return
        [
            new SGD.ParamGroup(named.Where(p => !p.name.StartsWith("logits.", StringComparison.Ordinal)).Select(p => p.parameter), lr, momentum, 0, weightDecay, nesterov),
            new SGD.ParamGroup(named.Where(p => p.name.StartsWith("logits.", StringComparison.Ordinal)).Select(p => p.parameter), 3 * lr, momentum, 0, 1e-3, nesterov),
        ];
    }

    [Theory]
    [InlineData(0.9, 1e-4, false)]
    [InlineData(0.9, 0.0, true)]
    [InlineData(0.0, 1e-4, false)]
    public void FollowsSgdBitForBit(double momentum, double weightDecay, bool nesterov)
    {
        using var reference = new TinyClassifier(seed: 3);
        using var flat = new TinyClassifier(seed: 3);
        using var sgd = new SGD(Groups(reference, 0.05, momentum, weightDecay, nesterov), 0.05, momentum, 0, weightDecay, nesterov);
        using var flatSgd = new FlatSgd(Groups(flat, 0.05, momentum, weightDecay, nesterov), 0.05, momentum, weightDecay, nesterov);

        steps.Run(reference, sgd, 0, 4);
        steps.Run(flat, flatSgd, 0, 4);

        var before = Snapshot(new TinyClassifier(seed: 3));
        Differs(Snapshot(flat)["Mixed_4b.conv3d.weight"], before["Mixed_4b.conv3d.weight"]).Should().BeTrue("four steps move the weights");
        // The same element-wise arithmetic in the same order: the same bits.
        ShouldBeBitIdentical(Snapshot(flat), Snapshot(reference));
    }

    [Fact]
    public void ParametersBecomeViewsThatKeepTheirValuesAndMemoryFormat()
    {
        using var scope = NewDisposeScope();
        var contiguous = new Parameter(arange(2 * 3 * 2 * 2 * 2, dtype: float32).reshape(2, 3, 2, 2, 2));
        // NDHWC strides with the NCDHW shape, as FrozenInceptionI3D and channels-last training lay weights out.
        var channelsLast = new Parameter(arange(4 * 5 * 1 * 3 * 3, dtype: float32).reshape(4, 1, 3, 3, 5).permute(0, 4, 1, 2, 3));
        var scalar = new Parameter(tensor(2.5f));
        var expected = new[] { contiguous, channelsLast, scalar }.Select(p => p.detach().clone()).ToArray();
        var strides = channelsLast.stride();

        using var buffer = new FlatParameterBuffer([contiguous, channelsLast, scalar]);

        buffer.Data.shape.Should().Equal(48 + 180 + 1);
        channelsLast.stride().Should().Equal(strides);
        contiguous.storage_offset().Should().Be(0);
        channelsLast.storage_offset().Should().Be(48);
        scalar.storage_offset().Should().Be(228);
        new[] { contiguous, channelsLast, scalar }.Zip(expected, (p, e) => p.eq(e).all().item<bool>()).Should().AllBeEquivalentTo(true);
        // Writing the flat buffer writes the parameters: they share its memory.
        using (no_grad()) buffer.Data.fill_(1f);
        channelsLast.sum().item<float>().Should().Be(180f);
        scalar.item<float>().Should().Be(1f);
    }

    [Fact]
    public void ZeroGradClearsEveryGradientInPlace()
    {
        using var model = new TinyClassifier(seed: 5);
        using var flatSgd = new FlatSgd(Groups(model, 0.05, 0.9, 0, false), 0.05, 0.9, 0, false);
        steps.Backward(model);
        model.parameters().Sum(p => { using var g = p.grad!; return g.abs().sum().item<float>(); }).Should().BeGreaterThan(0);

        flatSgd.zero_grad();

        foreach (var p in model.parameters())
        {
            using var g = p.grad;
            g.Should().NotBeNull("the gradients are views into the flat buffer, zeroed, never dropped");
            g!.count_nonzero().item<long>().Should().Be(0);
        }
    }

    [Fact]
    public void SavedStateResumesExactlyAndLoadsBeforeTheFirstStep()
    {
        // Run A: 5 steps straight. Run B: 3 steps, save model and optimizer, then a fresh model and optimizer load
        // them (the optimizer before its first step, when its momentum does not exist yet) and take 2 more.
        using var straight = new TinyClassifier(seed: 9);
        using (var sgd = new FlatSgd(Groups(straight, 0.05, 0.9, 1e-4, false), 0.05, 0.9, 1e-4, false))
            steps.Run(straight, sgd, 0, 5);

        using var first = new TinyClassifier(seed: 9);
        using var stream = new MemoryStream();
        using (var sgd = new FlatSgd(Groups(first, 0.05, 0.9, 1e-4, false), 0.05, 0.9, 1e-4, false))
        {
            steps.Run(first, sgd, 0, 3);
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            sgd.save_state_dict(writer);
        }

        using var resumed = new TinyClassifier(seed: 1);
        OptimizerSteps.CopyState(first, resumed);
        using (var sgd = new FlatSgd(Groups(resumed, 0.05, 0.9, 1e-4, false), 0.05, 0.9, 1e-4, false))
        {
            stream.Position = 0;
            using var reader = new BinaryReader(stream);
            sgd.load_state_dict(reader);
            // Steps are seeded by index: continue at steps 3 and 4 as the straight run did.
            steps.Run(resumed, sgd, 3, 5);
        }

        ShouldBeBitIdentical(Snapshot(resumed), Snapshot(straight));
    }

    [Fact]
    public void ADroppedGradientIsAClearError()
    {
        using var model = new TinyClassifier(seed: 5);
        using var flatSgd = new FlatSgd(Groups(model, 0.05, 0.9, 0, false), 0.05, 0.9, 0, false);
        model.parameters().Last().grad = null;

        var act = () => flatSgd.step();

        act.Should().Throw<InvalidOperationException>().WithMessage("*gradient*set to null*zero_grad*");
    }

    [Fact]
    public void AParameterInTwoGroupsIsRejected()
    {
        using var model = new TinyClassifier(seed: 5);
        var all = model.parameters().ToList();
        var act = () => new FlatSgd([new SGD.ParamGroup(all, 0.1), new SGD.ParamGroup(all.Take(1), 0.1)], 0.1);

        act.Should().Throw<ArgumentException>().WithMessage("*appears twice*");
    }

    [Fact]
    public void MixedTypesAreRejected()
    {
        using var scope = NewDisposeScope();
        var act = () => new FlatParameterBuffer([new Parameter(zeros(3)), new Parameter(zeros(3, dtype: float64))]);

        act.Should().Throw<ArgumentException>().WithMessage("*one dtype*Float32*Float64*");
    }
}
