using FluentAssertions;
using I3D.Net.Models;
using I3D.Net.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Models;

/// <summary>The I3D backbone is one table: the model, the GoogLeNet map, freezing and the kinetics-i3d names come from it.</summary>
public class I3DArchitectureTests
{
    /// <summary>An Inception-style variant: the reference's layout with narrower branches and a 5×7×7 stem.</summary>
    internal static I3DArchitecture Narrow { get; } = new(
    [
        I3DLayerSpec.Conv(I3DEndpoint.Conv3d_1a_7x7, 16, (5, 7, 7), (2, 2, 2)),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_2a_3x3, (1, 3, 3), (1, 2, 2)),
        I3DLayerSpec.Conv(I3DEndpoint.Conv3d_2b_1x1, 16, (1, 1, 1)),
        I3DLayerSpec.Conv(I3DEndpoint.Conv3d_2c_3x3, 24, (3, 3, 3)),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_3a_3x3, (1, 3, 3), (1, 2, 2)),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_3b, 8, 8, 12, 4, 6, 6),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_3c, 12, 12, 16, 4, 8, 8),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_4a_3x3, (3, 3, 3), (2, 2, 2)),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4b, 16, 8, 16, 4, 8, 8),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4c, 16, 8, 16, 4, 8, 8),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4d, 16, 8, 16, 4, 8, 8),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4e, 16, 8, 16, 4, 8, 8),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4f, 24, 12, 24, 4, 12, 12),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_5a_2x2, (2, 2, 2), (2, 2, 2)),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_5b, 24, 12, 24, 4, 12, 12),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_5c, 32, 16, 32, 8, 16, 16),
    ]);

    [Fact]
    public void A_variant_with_other_widths_is_one_table_and_runs_with_the_tables_shapes()
    {
        using var model = new InceptionI3D(numClasses: 5, options: new InceptionI3DOptions { Architecture = Narrow });
        model.eval();
        model.BackboneChannels.Should().Be(32 + 32 + 16 + 16);
        using var x = randn(new long[] { 2, 3, 16, 64, 64 }, generator: new Generator(3));
        using var logits = model.call(x);
        logits.shape.Should().Equal(2, 5);
        var outputs = model.ForwardEndpoints(x);
        try
        {
            outputs[I3DEndpoint.Conv3d_1a_7x7].shape.Should().Equal(2, 16, 8, 32, 32);
            outputs[I3DEndpoint.Conv3d_2c_3x3].shape.Should().Equal(2, 24, 8, 16, 16);
            outputs[I3DEndpoint.Mixed_3b].shape.Should().Equal(2, 8 + 12 + 6 + 6, 8, 8, 8);
            outputs[I3DEndpoint.Mixed_4f].shape.Should().Equal(2, 24 + 24 + 12 + 12, 4, 4, 4);
            outputs[I3DEndpoint.Mixed_5c].shape.Should().Equal(2, 96, 2, 2, 2);
            outputs[I3DEndpoint.Logits].shape.Should().Equal(2, 5);
        }
        finally
        {
            foreach (var t in outputs.Values) t.Dispose();
        }
        using var features = model.ExtractFeatures(x);
        features.shape.Should().Equal(2, 96);
        model.state_dict()["Conv3d_1a_7x7.conv3d.weight"].shape.Should().Equal(16, 3, 5, 7, 7);
        model.state_dict()["logits.conv3d.weight"].shape.Should().Equal(5, 96, 1, 1, 1);
    }

    [Fact]
    public void A_variant_keeps_the_reference_state_dict_names()
    {
        using var reference = new InceptionI3D(numClasses: 5);
        using var variant = new InceptionI3D(numClasses: 5, options: new InceptionI3DOptions { Architecture = Narrow });
        variant.state_dict().Keys.Should().Equal(reference.state_dict().Keys);
    }

    [Fact]
    public void The_reference_table_gives_the_reference_widths_and_keys()
    {
        I3DArchitecture.Reference.FeatureChannels.Should().Be(InceptionI3D.FeatureChannels);
        I3DArchitecture.Reference.Layers.Select(l => l.Endpoint).Should().Equal(Enum.GetValues<I3DEndpoint>().Where(e => e != I3DEndpoint.Logits));
        using var model = new InceptionI3D();
        var expected = model.named_parameters().Where(p => p.name.EndsWith(".conv3d.weight", StringComparison.Ordinal) && !p.name.StartsWith("logits"))
            .ToDictionary(p => p.name[..^".conv3d.weight".Length], p => p.parameter.shape);
        I3DArchitecture.Reference.Units(3).ToDictionary(u => u.Key, u => u.WeightShape).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public void The_GoogLeNet_map_comes_from_the_table()
    {
        var layers = GoogLeNetInflation.Layers;
        layers.Should().HaveCount(3 + 9 * 6);
        layers[0].Should().Be(new GoogLeNetInflation.Layer("conv1", "Conv3d_1a_7x7", 64, 3, 7, 7));
        layers[2].Should().Be(new GoogLeNetInflation.Layer("conv3", "Conv3d_2c_3x3", 192, 64, 3, 3));
        layers.Should().ContainEquivalentOf(new GoogLeNetInflation.Layer("inception3a.branch2.1", "Mixed_3b.b1b", 128, 96, 3, 3));
        layers.Should().ContainEquivalentOf(new GoogLeNetInflation.Layer("inception4e.branch4.1", "Mixed_4f.b3b", 128, 528, 1, 1));
        layers.Should().ContainEquivalentOf(new GoogLeNetInflation.Layer("inception5b.branch3.0", "Mixed_5c.b2a", 48, 832, 1, 1));
    }

    [Fact]
    public void A_bad_table_lists_every_problem()
    {
        var rows = I3DArchitecture.Reference.Layers.ToList();
        rows[0] = I3DLayerSpec.Conv(I3DEndpoint.Conv3d_1a_7x7, 64, (0, 7, 7));
        rows[5] = rows[5] with { Widths = [1, 2, 3] };
        rows.RemoveAt(13);
        var act = () => new I3DArchitecture(rows);
        act.Should().Throw<ArgumentException>()
            .Which.Message.Should().Contain("Expected 16 rows").And.Contain("Conv3d_1a_7x7: kernel and stride must be positive")
            .And.Contain("Mixed_3b: a Inception row needs 6 positive width(s)").And.Contain("Row 13 must be MaxPool3d_5a_2x2");
    }
}
