using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Models;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TwoStreamI3DTests
{
    [Fact]
    public void Keys_are_prefixed_per_stream()
    {
        using var model = new TwoStreamI3D(400);
        var sd = model.state_dict();
        sd["rgb.Conv3d_1a_7x7.conv3d.weight"].shape.Should().Equal(64, 3, 7, 7, 7);
        sd["flow.Conv3d_1a_7x7.conv3d.weight"].shape.Should().Equal(64, 2, 7, 7, 7);
        sd.Keys.Should().OnlyContain(k => k.StartsWith("rgb.") || k.StartsWith("flow."));
        sd.Should().HaveCount(2 * model.Rgb.state_dict().Count);
        model.Rgb.InChannels.Should().Be(3);
        model.Flow.InChannels.Should().Be(2);
    }

    [Theory]
    [InlineData(StreamFusion.Sum, 1.0)]
    [InlineData(StreamFusion.Average, 0.5)]
    public void Fuses_the_streams_logits(StreamFusion fusion, double factor)
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var model = new TwoStreamI3D(6, fusion: fusion).OnDevice();
        model.eval();
        using var noGrad = no_grad();
        var rgb = randn(new long[] { 2, 3, 9, 64, 64 }).OnDevice();
        var flow = randn(new long[] { 2, 2, 9, 64, 64 }).OnDevice();
        var expected = (model.Rgb.forward(rgb) + model.Flow.forward(flow)) * factor;
        model.forward(rgb, flow).allclose(expected, 1e-5, 1e-6).Should().BeTrue();
        model.ExtractFeatures(rgb, flow).shape.Should().Equal(2, 2048);
    }

    [Fact]
    public void Learned_fusion_has_trainable_weights_starting_at_the_sum()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var model = new TwoStreamI3D(4, fusion: StreamFusion.Learned).OnDevice();
        model.state_dict()["fusion_weight"].shape.Should().Equal(2);
        var rgb = randn(new long[] { 1, 3, 9, 64, 64 }).OnDevice();
        var flow = randn(new long[] { 1, 2, 9, 64, 64 }).OnDevice();
        model.eval();
        Tensor expected;
        using (no_grad()) expected = model.Rgb.forward(rgb) + model.Flow.forward(flow);
        var fused = model.forward(rgb, flow);
        fused.allclose(expected, 1e-5, 1e-6).Should().BeTrue();
        fused.sum().backward();
        model.FusionWeight!.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Replacing_logits_changes_both_streams()
    {
        using var model = new TwoStreamI3D(400);
        model.ReplaceLogits(12);
        model.NumClasses.Should().Be(12);
        model.state_dict()["rgb.logits.conv3d.bias"].shape.Should().Equal(12);
        model.state_dict()["flow.logits.conv3d.bias"].shape.Should().Equal(12);
    }

    [Fact]
    public void Rejects_mismatched_inputs_and_streams()
    {
        using var scope = NewDisposeScope();
        var model = new TwoStreamI3D(4);
        FluentActions.Invoking(() => model.forward(randn(new long[] { 2, 3, 9, 64, 64 }), randn(new long[] { 1, 2, 9, 64, 64 }))).Should().Throw<ArgumentException>().WithMessage("*2 vs 1*");
        FluentActions.Invoking(() => model.forward(randn(new long[] { 1, 2, 9, 64, 64 }), randn(new long[] { 1, 2, 9, 64, 64 }))).Should().Throw<ArgumentException>().WithMessage("*3 channels*");
        FluentActions.Invoking(() => new TwoStreamI3D(new InceptionI3D(4, 2), new InceptionI3D(4, 2))).Should().Throw<ArgumentException>().WithMessage("*RGB*3*");
        FluentActions.Invoking(() => new TwoStreamI3D(new InceptionI3D(4, 3), new InceptionI3D(5, 2))).Should().Throw<ArgumentException>().WithMessage("*4*5*");
    }
}
