using FluentAssertions;
using I3D.Net.Models;
using I3D.Net.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>Inflation reads the temporal kernel from the target layer (<c>weight.shape[2]</c>), as mmaction2 does.</summary>
public class InflationFromTargetTests(SyntheticGoogLeNetFixture fixture) : IClassFixture<SyntheticGoogLeNetFixture>
{
    [Theory]
    [InlineData(InflationMode.RepeatAndDivide)]
    [InlineData(InflationMode.Centre)]
    public void A_kernel_takes_the_targets_temporal_size_when_it_differs_from_the_spatial_one(InflationMode mode)
    {
        using var w = randn(new long[] { 4, 2, 3, 3 }, generator: new Generator(1));
        using var target = nn.Conv3d(2, 4, (5, 3, 3));
        using var inflated = Inflation.InflateConv2dFor(w, target, mode);
        inflated.shape.Should().Equal(4, 2, 5, 3, 3);
        // Summed over time the 3D kernel gives back the 2D one: a static clip sees the image network's response.
        allclose(inflated.sum([2]), w, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        if (mode == InflationMode.Centre)
            allclose(inflated.select(2, 2), w).Should().BeTrue();
        else
            allclose(inflated.select(2, 0), w / 5, rtol: 1e-5, atol: 1e-7).Should().BeTrue();
    }

    [Fact]
    public void A_kernel_that_does_not_fit_the_target_is_refused_naming_both_shapes()
    {
        using var w = randn(4, 2, 3, 3);
        using var target = nn.Conv3d(2, 4, (3, 5, 5));
        FluentActions.Invoking(() => Inflation.InflateConv2dFor(w, target, name: "Mixed_3b.b1b"))
            .Should().Throw<ArgumentException>().WithMessage("*Mixed_3b.b1b*[4, 2, 3, 3]*[4, 2, 3, 5, 5]*");
    }

    [Fact]
    public void GoogLeNet_inflates_into_a_model_whose_stem_and_3x3_are_temporally_smaller()
    {
        var rows = I3DArchitecture.Reference.Layers.ToList();
        rows[0] = I3DLayerSpec.Conv(I3DEndpoint.Conv3d_1a_7x7, 64, (3, 7, 7), (2, 2, 2));
        rows[3] = I3DLayerSpec.Conv(I3DEndpoint.Conv3d_2c_3x3, 192, (1, 3, 3));
        using var model = new InceptionI3D(10, options: new InceptionI3DOptions { Architecture = new I3DArchitecture(rows) });
        var googLeNet = fixture.StateDict.ToDictionary(kv => kv.Key, kv => kv.Value);
        var sd = GoogLeNetInflation.ToI3DStateDict(googLeNet, model);
        try
        {
            sd["Conv3d_1a_7x7.conv3d.weight"].shape.Should().Equal(64, 3, 3, 7, 7);
            sd["Conv3d_2c_3x3.conv3d.weight"].shape.Should().Equal(192, 64, 1, 3, 3);
            sd["Mixed_3b.b1b.conv3d.weight"].shape.Should().Equal(128, 96, 3, 3, 3);
            allclose(sd["Conv3d_1a_7x7.conv3d.weight"].select(2, 1), googLeNet["conv1.conv.weight"] / 3, rtol: 1e-5, atol: 1e-7).Should().BeTrue();
            allclose(sd["Conv3d_2c_3x3.conv3d.weight"].select(2, 0), googLeNet["conv3.conv.weight"]).Should().BeTrue();
            var loaded = StateDictLoader.Load(model, sd, strict: false, "synthetic GoogLeNet");
            loaded.Missing.Where(k => !k.StartsWith("logits.", StringComparison.Ordinal) && !k.EndsWith("num_batches_tracked", StringComparison.Ordinal))
                .Should().BeEmpty();
            loaded.Unexpected.Should().BeEmpty();
        }
        finally
        {
            foreach (var t in sd.Values) t.Dispose();
        }
    }
}
