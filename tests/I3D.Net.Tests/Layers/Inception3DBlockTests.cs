using I3D.Net.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Layers;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class Inception3DBlockTests
{
    [Fact]
    public void Concatenates_the_four_branches_in_order()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var widths = new InceptionBranchWidths(4, 3, 5, 2, 6, 7);
        var block = new Inception3DBlock(8, widths).OnDevice();
        block.eval();
        var x = randn(new long[] { 2, 8, 3, 6, 6 }).OnDevice();
        var y = block.forward(x);
        y.shape.Should().Equal(2, 4 + 5 + 6 + 7, 3, 6, 6);

        var modules = block.named_children().ToDictionary(c => c.name, c => c.module);
        Tensor Run(string name, Tensor input) => ((nn.Module<Tensor, Tensor>)modules[name]).forward(input);
        var b0 = Run("b0", x);
        var b1 = Run("b1b", Run("b1a", x));
        var b2 = Run("b2b", Run("b2a", x));
        var b3 = Run("b3b", new MaxPool3dTfSame((3, 3, 3), (1, 1, 1)).forward(x));
        y.allclose(cat([b0, b1, b2, b3], 1), 1e-6, 1e-6).Should().BeTrue();
    }

    [Fact]
    public void Keys_and_shapes_follow_the_reference()
    {
        using var block = new Inception3DBlock(192, InceptionBranchWidths.FromArray([64, 96, 128, 16, 32, 32]));
        var sd = block.state_dict();
        sd["b0.conv3d.weight"].shape.Should().Equal(64, 192, 1, 1, 1);
        sd["b1a.conv3d.weight"].shape.Should().Equal(96, 192, 1, 1, 1);
        sd["b1b.conv3d.weight"].shape.Should().Equal(128, 96, 3, 3, 3);
        sd["b2a.conv3d.weight"].shape.Should().Equal(16, 192, 1, 1, 1);
        sd["b2b.conv3d.weight"].shape.Should().Equal(32, 16, 3, 3, 3);
        sd["b3b.conv3d.weight"].shape.Should().Equal(32, 192, 1, 1, 1);
        sd.Keys.Where(k => k.EndsWith(".weight")).Should().HaveCount(12);
        block.OutChannels.Should().Be(256);
    }

    [Fact]
    public void Widths_are_validated()
    {
        FluentActions.Invoking(() => InceptionBranchWidths.FromArray([1, 2, 3])).Should().Throw<ArgumentException>().WithMessage("*6*found 3*");
        FluentActions.Invoking(() => InceptionBranchWidths.FromArray([1, 2, 3, 0, 5, 6])).Should().Throw<ArgumentException>();
        new InceptionBranchWidths(1, 2, 3, 4, 5, 6).ToArray().Should().Equal(1, 2, 3, 4, 5, 6);
    }
}
