using I3D.Net.Layers;
using I3D.Net.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Layers;

/// <summary><see cref="Inception3DBlock.FuseReductions"/>: one conv + BN + ReLU for b0, b1a and b2a.</summary>
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class FusedReductionsTests
{
    private static readonly InceptionBranchWidths Widths = new(4, 3, 5, 2, 6, 7);

    /// <summary>Two blocks with the same weights and non-trivial BatchNorm parameters and statistics.</summary>
    private static (Inception3DBlock Plain, Inception3DBlock Fused) Pair()
    {
        using var seed = random.manual_seed(11);
        var plain = new Inception3DBlock(8, Widths, batchNormMomentum: 0.1);
        using (no_grad())
            foreach (var (name, t) in plain.state_dict())
                if (name.EndsWith("bn.weight") || name.EndsWith("bn.running_var")) t.uniform_(0.5, 1.5);
                else if (name.EndsWith("bn.bias") || name.EndsWith("bn.running_mean")) t.uniform_(-0.5, 0.5);
        var fused = new Inception3DBlock(8, Widths, batchNormMomentum: 0.1) { FuseReductions = true };
        fused.load_state_dict(plain.state_dict());
        return (plain.OnDevice(), fused.OnDevice());
    }

    private static Tensor Input() => randn(new long[] { 2, 8, 3, 6, 6 }, generator: new Generator(5)).OnDevice();

    [Fact]
    public void TrainingMatchesSeparateBranchesInOutputGradientsAndStatistics()
    {
        using var scope = NewDisposeScope();
        var (plain, fused) = Pair();
        var x = Input();

        var yPlain = plain.forward(x);
        var yFused = fused.forward(x);
        (yPlain * yPlain.detach()).sum().backward();
        (yFused * yFused.detach()).sum().backward();

        yFused.allclose(yPlain, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        var plainParams = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in fused.named_parameters())
            p.grad!.allclose(plainParams[name].grad!, rtol: 1e-4, atol: 1e-5).Should().BeTrue($"the gradient of '{name}' reaches it through the concatenation");
        var plainState = plain.state_dict();
        var fusedState = fused.state_dict();
        fusedState.Keys.Should().BeEquivalentTo(plainState.Keys, "fusing does not change the state dict");
        foreach (var branch in new[] { "b0", "b1a", "b2a" })
        {
            foreach (var stat in new[] { "running_mean", "running_var" })
            {
                var key = $"{branch}.bn.{stat}";
                fusedState[key].allclose(plainState[key], rtol: 1e-5, atol: 1e-6).Should().BeTrue($"'{key}' is written back to its branch");
            }
            fusedState[$"{branch}.bn.num_batches_tracked"].item<long>().Should().Be(1);
        }
        // The statistics moved (momentum 0.1): the check above compares updated values, not two untouched copies.
        using var fresh = Pair().Plain;
        (fusedState["b1a.bn.running_mean"] - fresh.state_dict()["b1a.bn.running_mean"]).abs().max().item<float>().Should().BeGreaterThan(1e-4f);
    }

    [Fact]
    public void EvaluationMatchesAndDoesNotTouchStatistics()
    {
        using var scope = NewDisposeScope();
        var (plain, fused) = Pair();
        plain.eval();
        fused.eval();
        var before = fused.state_dict()["b2a.bn.running_var"].clone();

        fused.forward(Input()).allclose(plain.forward(Input()), rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        fused.state_dict()["b2a.bn.running_var"].eq(before).all().item<bool>().Should().BeTrue();
        fused.state_dict()["b0.bn.num_batches_tracked"].item<long>().Should().Be(0);
    }

    [Fact]
    public void BranchesInDifferentModesRunSeparately()
    {
        using var scope = NewDisposeScope();
        var (plain, fused) = Pair();
        // b0's statistics frozen (as a trainer does for frozen layers): the three BatchNorms no longer agree.
        foreach (var block in new[] { plain, fused })
            ((BatchNorm)block.named_modules().Single(m => m.name == "b0.bn").module).eval();

        var yFused = fused.forward(Input());
        var yPlain = plain.forward(Input());

        yFused.eq(yPlain).all().item<bool>().Should().BeTrue("the block falls back to the separate branches, bit for bit");
        fused.state_dict()["b0.bn.num_batches_tracked"].item<long>().Should().Be(0);
        fused.state_dict()["b1a.bn.num_batches_tracked"].item<long>().Should().Be(1);
    }

    [Fact]
    public void TheModelSwitchesEveryBlock()
    {
        using var model = new InceptionI3D(5, 3, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4b, FuseReductions = true });
        var blocks = model.modules().OfType<Inception3DBlock>().ToList();
        blocks.Should().HaveCount(3).And.OnlyContain(b => b.FuseReductions);

        model.FuseReductions = false;

        model.FuseReductions.Should().BeFalse();
        blocks.Should().OnlyContain(b => !b.FuseReductions);
    }
}
