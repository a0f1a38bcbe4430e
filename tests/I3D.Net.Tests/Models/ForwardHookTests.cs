using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Models;

/// <summary>Forward hooks registered on inner modules fire because the models call their children with <c>call</c>.</summary>
public class ForwardHookTests
{
    private static Tensor Clip(long c = 3) => randn(new long[] { 1, c, 9, 64, 64 }, generator: new Generator(7));

    private static nn.Module<Tensor, Tensor> Inner(nn.Module model, string name) =>
        (nn.Module<Tensor, Tensor>)model.named_modules().Single(m => m.name == name).module;

    private sealed class Recorder
    {
        public List<long[]> Inputs { get; } = [];
        public List<long[]> Outputs { get; } = [];
        public Tensor? Last { get; private set; }

        public void Attach(nn.Module<Tensor, Tensor> module)
        {
            module.register_forward_pre_hook((_, input) => { Inputs.Add(input.shape); return null!; });
            module.register_forward_hook((_, _, output) =>
            {
                Outputs.Add(output.shape);
                Last?.Dispose();
                Last = output.detach().clone().DetachFromDisposeScope();
                return null!;
            });
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Hooks_on_an_inner_block_and_an_inner_unit_fire_during_the_models_call(bool fuseReductions)
    {
        using var scope = NewDisposeScope();
        using var model = new InceptionI3D(5, 3) { FuseReductions = fuseReductions };
        model.eval();
        using var noGrad = no_grad();
        var block = new Recorder();
        var unit = new Recorder();
        Inner(model, "Mixed_4f").Should().BeOfType<Inception3DBlock>();
        Inner(model, "Mixed_4f.b1b").Should().BeOfType<InflatedConv3d>();
        block.Attach(Inner(model, "Mixed_4f"));
        unit.Attach(Inner(model, "Mixed_4f.b1b"));
        var x = Clip();

        var logits = model.call(x);

        logits.shape.Should().Equal(1, 5);
        block.Inputs.Should().ContainSingle().Which.Should().Equal(1, 528, 3, 4, 4);
        block.Outputs.Should().ContainSingle().Which.Should().Equal(1, 832, 3, 4, 4);
        unit.Inputs.Should().ContainSingle().Which.Should().Equal(1, 160, 3, 4, 4);
        unit.Outputs.Should().ContainSingle().Which.Should().Equal(1, 320, 3, 4, 4);
        // The hook saw the very tensor the network computed at that endpoint.
        var mixed4f = model.ForwardTo(x, I3DEndpoint.Mixed_4f);
        block.Outputs.Should().HaveCount(2, "ForwardTo runs the block through call too");
        allclose(block.Last!, mixed4f).Should().BeTrue();
        block.Last!.Dispose();
        unit.Last!.Dispose();
    }

    [Fact]
    public void A_forward_hook_that_returns_a_tensor_replaces_the_blocks_output()
    {
        using var scope = NewDisposeScope();
        using var model = new InceptionI3D(5, 3);
        model.eval();
        using var noGrad = no_grad();
        var x = Clip();
        var before = model.ExtractFeatures(x);
        Inner(model, "Mixed_5c").register_forward_hook((_, _, output) => zeros_like(output));

        var after = model.ExtractFeatures(x);

        before.abs().max().item<float>().Should().BeGreaterThan(0f);
        after.abs().max().item<float>().Should().Be(0f);
    }

    [Fact]
    public void Hooks_fire_inside_both_streams_of_a_two_stream_model()
    {
        using var scope = NewDisposeScope();
        using var model = new TwoStreamI3D(5);
        model.eval();
        using var noGrad = no_grad();
        var rgb = new Recorder();
        var flow = new Recorder();
        var rgbStem = new Recorder();
        rgb.Attach(Inner(model, "rgb.Mixed_4f"));
        flow.Attach(Inner(model, "flow.Mixed_4f"));
        rgbStem.Attach(Inner(model, "rgb.Conv3d_1a_7x7"));
        var streamCalls = 0;
        model.Flow.register_forward_pre_hook((_, input) => { input.shape[1].Should().Be(2); streamCalls++; return null!; });

        model.call(Clip(3), Clip(2)).shape.Should().Equal(1, 5);

        rgb.Outputs.Should().ContainSingle().Which.Should().Equal(1, 832, 3, 4, 4);
        flow.Outputs.Should().ContainSingle().Which.Should().Equal(1, 832, 3, 4, 4);
        rgbStem.Inputs.Should().ContainSingle().Which.Should().Equal(1, 3, 9, 64, 64);
        rgbStem.Outputs.Should().ContainSingle().Which.Should().Equal(1, 64, 5, 32, 32);
        streamCalls.Should().Be(1);
        foreach (var r in new[] { rgb, flow, rgbStem }) r.Last!.Dispose();
    }

    [Fact]
    public void Hooks_fire_inside_a_frozen_model()
    {
        using var scope = NewDisposeScope();
        using var source = new InceptionI3D(5, 3);
        source.eval();
        using var frozen = FrozenInceptionI3D.Freeze(source);
        using var noGrad = no_grad();
        var block = new Recorder();
        var unit = new Recorder();
        // The frozen copy keeps its blocks in a ModuleList (keys "layers.N"), each named after its source endpoint.
        var frozenBlock = (nn.Module<Tensor, Tensor>)frozen.modules().Single(m => m.GetName() == "Mixed_4f");
        block.Attach(frozenBlock);
        unit.Attach(Inner(frozenBlock, "b1b"));
        var x = Clip();

        frozen.call(x).shape.Should().Equal(1, 5);

        block.Outputs.Should().ContainSingle().Which.Should().Equal(1, 832, 3, 4, 4);
        unit.Inputs.Should().ContainSingle().Which.Should().Equal(1, 160, 3, 4, 4);
        unit.Outputs.Should().ContainSingle().Which.Should().Equal(1, 320, 3, 4, 4);
        allclose(block.Last!, source.ForwardTo(x, I3DEndpoint.Mixed_4f), rtol: 1e-4, atol: 1e-4).Should().BeTrue();
        block.Last!.Dispose();
        unit.Last!.Dispose();
    }
}
