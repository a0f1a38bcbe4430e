using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Models;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class InceptionI3DTests
{
    private static Tensor Clip(long c = 3, long t = 9, long h = 64, long w = 64, long b = 1) => randn(new[] { b, c, t, h, w }).OnDevice();

    [Fact]
    public void Has_the_reference_parameter_count()
    {
        using var model = new InceptionI3D(400, 3);
        model.parameters().Sum(p => p.numel()).Should().Be(12_697_264);
    }

    [Fact]
    public void State_dict_follows_the_pytorch_i3d_layout()
    {
        using var model = new InceptionI3D(400, 3);
        var sd = model.state_dict();
        sd["Conv3d_1a_7x7.conv3d.weight"].shape.Should().Equal(64, 3, 7, 7, 7);
        sd["Conv3d_1a_7x7.bn.running_var"].shape.Should().Equal(64);
        sd["Conv3d_2b_1x1.conv3d.weight"].shape.Should().Equal(64, 64, 1, 1, 1);
        sd["Conv3d_2c_3x3.conv3d.weight"].shape.Should().Equal(192, 64, 3, 3, 3);
        sd["Mixed_3b.b0.conv3d.weight"].shape.Should().Equal(64, 192, 1, 1, 1);
        sd["Mixed_4e.b1b.conv3d.weight"].shape.Should().Equal(288, 144, 3, 3, 3);
        sd["Mixed_5c.b3b.bn.bias"].shape.Should().Equal(128);
        sd["logits.conv3d.weight"].shape.Should().Equal(400, 1024, 1, 1, 1);
        sd["logits.conv3d.bias"].shape.Should().Equal(400);
        // 3 stem units + 9 blocks × 6 units, each conv + 5 BN entries, and the logits' weight and bias.
        sd.Should().HaveCount((3 + 9 * 6) * 6 + 2);
        sd.Keys.Where(k => k.EndsWith("conv3d.bias")).Should().Equal("logits.conv3d.bias");
        sd.Keys.Should().NotContain(k => k.Contains("MaxPool") || k.Contains("b3a") || k.Contains("dropout"));
    }

    [Fact]
    public void Endpoint_shapes_match_the_reference_table_for_64_frames_at_224()
    {
        using var scope = NewDisposeScope();
        using var model = new InceptionI3D(400, 3);
        model.eval();
        using var noGrad = no_grad();
        var outputs = model.ForwardEndpoints(zeros(new long[] { 1, 3, 64, 224, 224 }));
        long[] S(params long[] s) => s;
        var expected = new Dictionary<I3DEndpoint, long[]>
        {
            [I3DEndpoint.Conv3d_1a_7x7] = S(1, 64, 32, 112, 112),
            [I3DEndpoint.MaxPool3d_2a_3x3] = S(1, 64, 32, 56, 56),
            [I3DEndpoint.Conv3d_2b_1x1] = S(1, 64, 32, 56, 56),
            [I3DEndpoint.Conv3d_2c_3x3] = S(1, 192, 32, 56, 56),
            [I3DEndpoint.MaxPool3d_3a_3x3] = S(1, 192, 32, 28, 28),
            [I3DEndpoint.Mixed_3b] = S(1, 256, 32, 28, 28),
            [I3DEndpoint.Mixed_3c] = S(1, 480, 32, 28, 28),
            [I3DEndpoint.MaxPool3d_4a_3x3] = S(1, 480, 16, 14, 14),
            [I3DEndpoint.Mixed_4b] = S(1, 512, 16, 14, 14),
            [I3DEndpoint.Mixed_4c] = S(1, 512, 16, 14, 14),
            [I3DEndpoint.Mixed_4d] = S(1, 512, 16, 14, 14),
            [I3DEndpoint.Mixed_4e] = S(1, 528, 16, 14, 14),
            [I3DEndpoint.Mixed_4f] = S(1, 832, 16, 14, 14),
            [I3DEndpoint.MaxPool3d_5a_2x2] = S(1, 832, 8, 7, 7),
            [I3DEndpoint.Mixed_5b] = S(1, 832, 8, 7, 7),
            [I3DEndpoint.Mixed_5c] = S(1, 1024, 8, 7, 7),
            [I3DEndpoint.Logits] = S(1, 400),
        };
        outputs.Keys.Should().Equal(Enum.GetValues<I3DEndpoint>());
        foreach (var (endpoint, shape) in expected)
            outputs[endpoint].shape.Should().Equal(shape, $"{endpoint}");
        // The reference head: 7 time steps of logits for 64 frames (the time axis does not depend on H and W).
        model.ForwardPerTime(zeros(new long[] { 1, 3, 64, 32, 32 })).shape.Should().Equal(1, 400, 7);
    }

    [Fact]
    public void Small_clips_use_the_adaptive_head()
    {
        using var scope = NewDisposeScope();
        manual_seed(0);
        var model = new InceptionI3D(7, 3).OnDevice();
        model.eval();
        using var noGrad = no_grad();
        var x = Clip();
        var logits = model.forward(x);
        logits.shape.Should().Equal(1, 7);
        // 9 frames → Mixed_5c has 2 time steps and 2×2 spatially: the pool spans the whole map, one time step left.
        model.ForwardPerTime(x).shape.Should().Equal(1, 7, 1);
        model.ExtractFeatures(x).shape.Should().Equal(1, 1024);
        // Fewer frames than the pool's 2: a single time step works too.
        model.forward(Clip(t: 1, h: 32, w: 48)).shape.Should().Equal(1, 7);
        // Larger than 7×7 at Mixed_5c (288 → 9×9): logits are averaged over positions, i.e. fully convolutional.
        model.ForwardPerTime(Clip(t: 8, h: 288, w: 32)).shape.Should().Equal(1, 7, 1);
    }

    [Fact]
    public void Logits_are_the_time_mean_of_per_time_logits_and_features_feed_the_head()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var model = new InceptionI3D(5, 2).OnDevice();
        model.eval();
        using var noGrad = no_grad();
        var x = Clip(c: 2, t: 24, h: 64, w: 64);
        var perTime = model.ForwardPerTime(x);
        perTime.shape.Should().Equal(1, 5, 2);
        model.forward(x).allclose(perTime.mean([2]), 1e-5, 1e-6).Should().BeTrue();
        // The head is linear after the pool: logits = W · features + b (dropout is off in eval).
        var features = model.ExtractFeaturesPerTime(x);  // [1, 1024, 2]
        var w = model.LogitsLayer!.Convolution.weight!.view(5, 1024);
        var b = model.LogitsLayer!.Convolution.bias!;
        var manual = matmul(w, features[0]).t() + b;       // [2, 5]
        perTime[0].t().allclose(manual, 1e-4, 1e-5).Should().BeTrue();
    }

    [Fact]
    public void Eval_is_deterministic_and_training_uses_dropout()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var model = new InceptionI3D(10, 3, new InceptionI3DOptions { DropoutProbability = 0.9 }).OnDevice();
        var x = Clip(b: 2);
        using (no_grad())
        {
            model.eval();
            model.forward(x).allclose(model.forward(x)).Should().BeTrue();
            model.train();
            model.forward(x).allclose(model.forward(x)).Should().BeFalse("dropout draws a new mask each pass");
        }
    }

    [Fact]
    public void Builds_up_to_a_chosen_endpoint()
    {
        using var scope = NewDisposeScope();
        var model = new InceptionI3D(400, 3, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4b }).OnDevice();
        model.state_dict().Keys.Should().Contain("Mixed_4b.b0.conv3d.weight")
            .And.NotContain(k => k.StartsWith("Mixed_4c") || k.StartsWith("Mixed_5") || k.StartsWith("logits"));
        model.eval();
        using var noGrad = no_grad();
        model.forward(Clip(t: 8)).shape.Should().Equal(1, 512, 2, 4, 4);
        model.ForwardTo(Clip(t: 8), I3DEndpoint.Mixed_3b).shape.Should().Equal(1, 256, 4, 8, 8);
        FluentActions.Invoking(() => model.ExtractFeatures(Clip())).Should().Throw<InvalidOperationException>().WithMessage("*Mixed_4b*");
        FluentActions.Invoking(() => model.ReplaceLogits(3)).Should().Throw<InvalidOperationException>();
    }

    [Fact]
    public void ReplaceLogits_gives_a_trainable_head_and_keeps_the_backbone()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var model = new InceptionI3D(400, 3).OnDevice();
        var before = model.state_dict()["Mixed_5c.b0.conv3d.weight"].clone();
        model.ReplaceLogits(12);
        model.NumClasses.Should().Be(12);
        var sd = model.state_dict();
        sd["logits.conv3d.weight"].shape.Should().Equal(12, 1024, 1, 1, 1);
        sd["logits.conv3d.bias"].shape.Should().Equal(12);
        sd["Mixed_5c.b0.conv3d.weight"].allclose(before).Should().BeTrue();
        model.parameters().Sum(p => p.numel()).Should().Be(12_697_264 - 388 * 1025);

        var logits = model.forward(Clip());
        logits.shape.Should().Equal(1, 12);
        nn.functional.cross_entropy(logits, tensor(new long[] { 4 }).OnDevice()).backward();
        model.LogitsLayer!.Convolution.weight!.grad!.abs().sum().item<float>().Should().BeGreaterThan(0);
    }

    [Fact]
    public void Bad_input_names_expected_and_actual_shapes()
    {
        using var scope = NewDisposeScope();
        var model = new InceptionI3D(10, 3);
        FluentActions.Invoking(() => model.forward(zeros(3, 9, 64, 64))).Should().Throw<ArgumentException>()
            .WithMessage("*[B, 3, T, H, W]*rank 4*[3, 9, 64, 64]*");
        FluentActions.Invoking(() => model.forward(zeros(new long[] { 1, 2, 9, 64, 64 }))).Should().Throw<ArgumentException>()
            .WithMessage("*3 channels*found 2*[1, 2, 9, 64, 64]*");
        FluentActions.Invoking(() => model.forward(zeros(new long[] { 1, 3, 9, 64, 64 }, ScalarType.Int64))).Should().Throw<ArgumentException>()
            .WithMessage("*floating-point*Int64*");
        FluentActions.Invoking(() => model.forward(zeros(new long[] { 1, 3, 9, 64, 64 }, ScalarType.Float64))).Should().Throw<ArgumentException>()
            .WithMessage("*Float32*Float64*");
        FluentActions.Invoking(() => model.forward(zeros(new long[] { 1, 3, 9, 16, 64 }))).Should().Throw<ArgumentException>()
            .WithMessage("*at least [1, 3, 1, 32, 32]*[1, 3, 9, 16, 64]*");
        FluentActions.Invoking(() => model.forward(zeros(new long[] { 1, 3, 0, 64, 64 }))).Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Options_are_validated()
    {
        FluentActions.Invoking(() => new InceptionI3D(10, 3, new InceptionI3DOptions { DropoutProbability = 1 })).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new InceptionI3D(10, 3, new InceptionI3DOptions { BatchNormEpsilon = 0 })).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new InceptionI3D(0, 3)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
