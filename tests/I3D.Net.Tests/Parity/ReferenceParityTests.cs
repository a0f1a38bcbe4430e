using I3D.Net.Models;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Parity;

/// <summary>
/// I3D.Net against an independent PyTorch implementation of the reference architecture (tools/parity), with the same
/// formula-generated weights and input: logits within 1e-4 max-abs in fp32 on CPU, eval mode.
/// </summary>
public class ReferenceParityTests
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", name);

    [Theory]
    [InlineData("rgb_1x3x16x224x224.safetensors", 3, new long[] { 1, 3, 16, 224, 224 })]
    [InlineData("flow_1x2x24x200x216.safetensors", 2, new long[] { 1, 2, 24, 200, 216 })]
    public void Logits_and_features_match_the_reference(string file, int channels, long[] shape)
    {
        using var scope = NewDisposeScope();
        var expected = SafeTensorsFile.Load(Fixture(file), out var metadata);
        metadata["input_shape"].Should().Be($"[{string.Join(", ", shape)}]");
        int classes = int.Parse(metadata["num_classes"]);

        var model = new InceptionI3D(classes, channels);
        FormulaTensors.Fill(model);
        model.eval();
        using var noGrad = no_grad();
        var input = FormulaTensors.Input(shape);

        var endpoints = model.ForwardEndpoints(input);
        var mixed5c = endpoints[I3DEndpoint.Mixed_5c];
        var logits = endpoints[I3DEndpoint.Logits];
        mixed5c.shape.Should().Equal(expected["mixed_5c"].shape);
        logits.shape.Should().Equal(expected["logits"].shape);

        (mixed5c - expected["mixed_5c"]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (logits - expected["logits"]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (model.ForwardPerTime(input) - expected["per_time_logits"]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        (model.ExtractFeatures(input) - expected["features"]).abs().max().item<float>().Should().BeLessThan(1e-4f);
        // The fixture is not trivially small: logits spread over several units.
        expected["logits"].std().item<float>().Should().BeGreaterThan(1f);
    }
}
