using I3D.Net.Models;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Parity;

/// <summary>
/// I3D.Net against an independent PyTorch implementation of the reference architecture (tools/parity), with the same
/// formula-generated weights and input, fp32 on CPU, eval mode: every output within <see cref="ScaledTolerance"/>
/// (1e-5 of the largest reference magnitude).
/// </summary>
public class ReferenceParityTests(ITestOutputHelper output)
{
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", name);

    private static (InceptionI3D Model, Tensor Input, Dictionary<string, Tensor> Expected) Load(string file, int channels, long[] shape)
    {
        var expected = SafeTensorsFile.Load(Fixture(file), out var metadata);
        metadata["input_shape"].Should().Be($"[{string.Join(", ", shape)}]");
        int classes = int.Parse(metadata["num_classes"]);
        var model = new InceptionI3D(classes, channels);
        FormulaTensors.Fill(model);
        model.eval();
        return (model, FormulaTensors.Input(shape), expected);
    }

    [Theory]
    [InlineData("rgb_1x3x16x224x224.safetensors", 3, new long[] { 1, 3, 16, 224, 224 })]
    [InlineData("flow_1x2x24x200x216.safetensors", 2, new long[] { 1, 2, 24, 200, 216 })]
    public void Logits_and_features_match_the_reference(string file, int channels, long[] shape)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (model, input, expected) = Load(file, channels, shape);
        using var _ = model;

        var endpoints = model.ForwardEndpoints(input);
        var actual = new Dictionary<string, Tensor>
        {
            ["mixed_5c"] = endpoints[I3DEndpoint.Mixed_5c],
            ["logits"] = endpoints[I3DEndpoint.Logits],
            ["per_time_logits"] = model.ForwardPerTime(input),
            ["features"] = model.ExtractFeatures(input),
        };
        foreach (var (name, value) in actual)
        {
            output.WriteLine($"{name}: max|diff| {(value - expected[name]).abs().max().item<float>():0.00e0}, max|ref| {expected[name].abs().max().item<float>():0.00}, ratio to tolerance {ScaledTolerance.Ratio(value, expected[name]):0.000}");
            ScaledTolerance.ShouldMatch(value, expected[name], name);
        }
        // The fixture is not trivially small: logits spread over several units.
        expected["logits"].std().item<float>().Should().BeGreaterThan(1f);
    }

    [Fact]
    public void A_perturbed_weight_fails_the_tolerance()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (model, input, expected) = Load("rgb_1x3x16x224x224.safetensors", 3, [1, 3, 16, 224, 224]);
        using var _ = model;
        var weights = model.state_dict();
        // Slips far smaller than a wrong key mapping or a transposed kernel: one logits weight of 409,600 off by 1e-3
        // (about 2 % of its size), and Mixed_5c's b0 BatchNorm shift off by 1e-3.
        weights["logits.conv3d.weight"][0, 0, 0, 0, 0].add_(1e-3f);
        weights["Mixed_5c.b0.bn.bias"].add_(1e-3f);
        var endpoints = model.ForwardEndpoints(input);
        var logits = ScaledTolerance.Ratio(endpoints[I3DEndpoint.Logits], expected["logits"]);
        var mixed5c = ScaledTolerance.Ratio(endpoints[I3DEndpoint.Mixed_5c], expected["mixed_5c"]);
        output.WriteLine($"perturbed: logits {logits:0.00}, mixed_5c {mixed5c:0.00} times the tolerance");
        logits.Should().BeGreaterThan(1.0, "a perturbed logits weight must fail the parity tolerance");
        mixed5c.Should().BeGreaterThan(1.0, "a perturbed BatchNorm shift must fail the parity tolerance");
    }
}
