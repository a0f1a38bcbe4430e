using I3D.Net.Models;
using I3D.Net.Weights;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>One synthetic GoogLeNet (27 MB) and its inflation, shared by the tests of the class.</summary>
public sealed class SyntheticGoogLeNetFixture : IDisposable
{
    public SyntheticGoogLeNetFixture()
    {
        using var scope = NewDisposeScope();
        StateDict = SyntheticGoogLeNet.Create();
        Inflated = GoogLeNetInflation.ToI3DStateDict(StateDict.ToDictionary(kv => kv.Key, kv => kv.Value));
        foreach (var (_, t) in StateDict) t.MoveToOuterDisposeScope();
        foreach (var t in Inflated.Values) t.MoveToOuterDisposeScope();
    }

    public List<KeyValuePair<string, Tensor>> StateDict { get; }
    public Dictionary<string, Tensor> Inflated { get; }

    public void Dispose()
    {
        foreach (var (_, t) in StateDict) t.Dispose();
        foreach (var t in Inflated.Values) t.Dispose();
    }
}

public class GoogLeNetInflationTests(SyntheticGoogLeNetFixture fixture) : IClassFixture<SyntheticGoogLeNetFixture>
{
    // I3D layers and their (out, in, kT=k) from the model's specification, written independently of the mapping.
    static IEnumerable<(string Key, long[] Shape)> ExpectedI3DConvs()
    {
        yield return ("Conv3d_1a_7x7", new long[] { 64, 3, 7, 7, 7 });
        yield return ("Conv3d_2b_1x1", new long[] { 64, 64, 1, 1, 1 });
        yield return ("Conv3d_2c_3x3", new long[] { 192, 64, 3, 3, 3 });
        var widths = new (string, long[])[]
        {
            ("Mixed_3b", new long[] { 64, 96, 128, 16, 32, 32 }), ("Mixed_3c", new long[] { 128, 128, 192, 32, 96, 64 }),
            ("Mixed_4b", new long[] { 192, 96, 208, 16, 48, 64 }), ("Mixed_4c", new long[] { 160, 112, 224, 24, 64, 64 }),
            ("Mixed_4d", new long[] { 128, 128, 256, 24, 64, 64 }), ("Mixed_4e", new long[] { 112, 144, 288, 32, 64, 64 }),
            ("Mixed_4f", new long[] { 256, 160, 320, 32, 128, 128 }), ("Mixed_5b", new long[] { 256, 160, 320, 32, 128, 128 }),
            ("Mixed_5c", new long[] { 384, 192, 384, 48, 128, 128 }),
        };
        long cin = 192;
        foreach (var (name, w) in widths)
        {
            yield return ($"{name}.b0", new[] { w[0], cin, 1, 1, 1 });
            yield return ($"{name}.b1a", new[] { w[1], cin, 1, 1, 1 });
            yield return ($"{name}.b1b", new[] { w[2], w[1], 3, 3, 3 });
            yield return ($"{name}.b2a", new[] { w[3], cin, 1, 1, 1 });
            yield return ($"{name}.b2b", new[] { w[4], w[3], 3, 3, 3 });
            yield return ($"{name}.b3b", new[] { w[5], cin, 1, 1, 1 });
            cin = w[0] + w[2] + w[4] + w[5];
        }
    }

    Dictionary<string, Tensor> GoogLeNet() => fixture.StateDict.ToDictionary(kv => kv.Key, kv => kv.Value);

    [Fact]
    public void MapsEveryLayerOntoI3DWithInflatedShapes()
    {
        using var scope = NewDisposeScope();
        var i3d = fixture.Inflated;

        var expectedKeys = new List<string>();
        foreach (var (layer, shape) in ExpectedI3DConvs())
        {
            expectedKeys.Add($"{layer}.conv3d.weight");
            i3d[$"{layer}.conv3d.weight"].shape.Should().Equal(shape, layer);
            foreach (var bn in new[] { "weight", "bias", "running_mean", "running_var" })
            {
                expectedKeys.Add($"{layer}.bn.{bn}");
                i3d[$"{layer}.bn.{bn}"].shape.Should().Equal(new[] { shape[0] }, layer);
            }
        }
        i3d.Keys.Should().BeEquivalentTo(expectedKeys);
        i3d.Keys.Should().NotContain(k => k.StartsWith("logits") || k.Contains("aux") || k.Contains("fc"));
    }

    [Fact]
    public void ValuesComeFromTheMatchingGoogLeNetLayer()
    {
        using var scope = NewDisposeScope();
        var g = GoogLeNet();
        var i3d = fixture.Inflated;

        // Repeat-and-divide: summing over time gives back the 2D kernel.
        (string G, string I)[] pairs =
        {
            ("conv1", "Conv3d_1a_7x7"), ("conv3", "Conv3d_2c_3x3"), ("inception3a.branch1", "Mixed_3b.b0"),
            ("inception4b.branch3.1", "Mixed_4c.b2b"), ("inception4e.branch2.0", "Mixed_4f.b1a"),
            ("inception5b.branch4.1", "Mixed_5c.b3b"), ("inception5a.branch2.1", "Mixed_5b.b1b"),
        };
        foreach (var (gk, ik) in pairs)
        {
            i3d[$"{ik}.conv3d.weight"].sum(new long[] { 2 }).allclose(g[$"{gk}.conv.weight"], rtol: 1e-5, atol: 1e-6)
                .Should().BeTrue($"{ik} comes from {gk}");
            i3d[$"{ik}.bn.running_var"].allclose(g[$"{gk}.bn.running_var"], rtol: 0, atol: 0).Should().BeTrue();
            i3d[$"{ik}.bn.weight"].allclose(g[$"{gk}.bn.weight"], rtol: 0, atol: 0).Should().BeTrue();
        }
    }

    [Fact]
    public void FlowStreamAveragesTheFirstKernelsRgbChannels()
    {
        using var scope = NewDisposeScope();
        var g = GoogLeNet();
        var flow = GoogLeNetInflation.ToI3DStateDict(g, inChannels: 2, InflationMode.Centre);
        var w = flow["Conv3d_1a_7x7.conv3d.weight"];
        w.shape.Should().Equal(64, 2, 7, 7, 7);
        var mean = g["conv1.conv.weight"].mean(new long[] { 1 });
        w.select(2, 3).select(1, 0).allclose(mean, atol: 1e-6).Should().BeTrue();
        w.select(2, 3).select(1, 1).allclose(mean, atol: 1e-6).Should().BeTrue();
        w.select(2, 0).abs().sum().item<float>().Should().Be(0f); // centre mode: other slots zero
        flow["Conv3d_2b_1x1.conv3d.weight"].shape.Should().Equal(64, 64, 1, 1, 1);
    }

    [Fact]
    public void AMissingKeyIsNamed()
    {
        using var scope = NewDisposeScope();
        var g = GoogLeNet();
        g.Remove("inception4c.branch3.1.bn.running_mean");
        var act = () => GoogLeNetInflation.ToI3DStateDict(g, sourceName: "g.pth");
        act.Should().Throw<InvalidDataException>().WithMessage("*g.pth*missing*'inception4c.branch3.1.bn.running_mean'*");
    }

    [Fact]
    public void AWrongShapeIsNamedWithBothShapes()
    {
        using var scope = NewDisposeScope();
        var g = GoogLeNet();
        // torchvision's real "5x5" branch is 3x3; a true 5x5 must be refused, not silently inflated.
        g["inception3a.branch3.1.conv.weight"] = zeros(32, 16, 5, 5);
        var act = () => GoogLeNetInflation.ToI3DStateDict(g);
        act.Should().Throw<InvalidDataException>()
            .WithMessage("*'inception3a.branch3.1.conv.weight'*[32, 16, 5, 5]*[32, 16, 3, 3]*");
    }

    [Fact]
    public void AnUnexpectedKeyIsNamed()
    {
        using var scope = NewDisposeScope();
        var g = GoogLeNet();
        g["features.0.weight"] = zeros(1);
        var act = () => GoogLeNetInflation.ToI3DStateDict(g);
        act.Should().Throw<InvalidDataException>().WithMessage("*unexpected key 'features.0.weight'*");
    }

    [Fact]
    public void TheSyntheticFileRoundTripsThroughThePyTorchReader()
    {
        using var scope = NewDisposeScope();
        var sd = fixture.StateDict;
        var path = Path.Combine(Path.GetTempPath(), $"i3d-googlenet-{Guid.NewGuid():N}.pth");
        try
        {
            TorchZipWriter.Save(sd, path);
            var loaded = PyTorchStateDict.Load(path);
            loaded.Keys.Should().Equal(sd.Select(kv => kv.Key));
            foreach (var (k, v) in sd) loaded[k].allclose(v, rtol: 0, atol: 0).Should().BeTrue(k);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
