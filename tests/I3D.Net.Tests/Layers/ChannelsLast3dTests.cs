using I3D.Net.Layers;
using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Layers;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class ChannelsLast3dTests
{
    [Fact]
    public void ApplyKeepsShapeAndValuesAndLaysChannelsInnermost()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 5 * 6, dtype: float32).reshape(2, 3, 4, 5, 6).OnDevice();

        var y = ChannelsLast3d.Apply(x);

        y.shape.Should().Equal(2, 3, 4, 5, 6);
        y.stride().Should().Equal(360, 1, 90, 18, 3);
        y.eq(x).all().item<bool>().Should().BeTrue();
        ChannelsLast3d.IsApplied(y).Should().BeTrue();
        ChannelsLast3d.IsApplied(x).Should().BeFalse();
        ChannelsLast3d.IsApplied(zeros(3, 4)).Should().BeFalse();
    }

    [Fact]
    public void OnlyNdhwcChannelSlicesAreCopiedDense()
    {
        using var scope = NewDisposeScope();
        var ncdhw = randn(new long[] { 2, 6, 3, 4, 5 }).OnDevice();
        var ndhwc = ChannelsLast3d.Apply(ncdhw);

        var slice = ChannelsLast3d.DenseChannelSlice(ndhwc.narrow(1, 2, 3));

        ChannelsLast3d.IsApplied(slice).Should().BeTrue();
        slice.eq(ncdhw.narrow(1, 2, 3)).all().item<bool>().Should().BeTrue();
        var ncdhwSlice = ncdhw.narrow(1, 2, 3);
        ChannelsLast3d.DenseChannelSlice(ncdhwSlice).Should().BeSameAs(ncdhwSlice, "an NCDHW slice is handled well as it is");
        ChannelsLast3d.DenseChannelSlice(ndhwc).Should().BeSameAs(ndhwc, "a whole NDHWC tensor is dense already");
    }

    [Fact]
    public void ApplyToRewritesConvolutionWeightsInPlaceAndTheModelComputesTheSame()
    {
        using var scope = NewDisposeScope();
        using var model = new InceptionI3D(5, 3, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_3b }).OnDevice();
        model.eval();
        var clip = (rand(new long[] { 1, 3, 4, 32, 32 }, generator: new Generator(3)) * 2 - 1).OnDevice();
        var before = model.forward(clip).detach().clone();
        var parameters = model.parameters().ToList();
        var spatial = parameters.Count(p => p.ndim == 5 && p.shape.Skip(2).Any(s => s > 1));

        var rewritten = ChannelsLast3d.ApplyTo(model);

        rewritten.Should().Be(spatial, "1×1×1 weights are NDHWC already: their strides differ only on size-1 dims");
        model.parameters().Should().Equal(parameters, ReferenceEquals, "the Parameter objects stay, only their strides change");
        parameters.Where(p => p.ndim == 5).Should().OnlyContain(p => ChannelsLast3d.IsApplied(p));
        using (no_grad())
        {
            var after = model.forward(ChannelsLast3d.Apply(clip));
            after.allclose(before, rtol: 1e-5, atol: 1e-5).Should().BeTrue();
        }
        ChannelsLast3d.ApplyTo(model).Should().Be(0, "a second call finds nothing left to rewrite");
    }
}
