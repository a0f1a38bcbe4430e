using I3D.Net.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Layers;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class InflatedConv3dTests
{
    [Fact]
    public void State_dict_uses_the_pytorch_i3d_names()
    {
        using var unit = new InflatedConv3d(3, 8, (3, 3, 3));
        unit.state_dict().Keys.Should().BeEquivalentTo(
            "conv3d.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked");
        using var head = new InflatedConv3d(16, 5, (1, 1, 1), useBatchNorm: false, useBias: true, activation: false);
        head.state_dict().Keys.Should().BeEquivalentTo("conv3d.weight", "conv3d.bias");
        unit.BatchNorm!.eps.Should().Be(1e-3);
        unit.BatchNorm!.momentum.Should().Be(0.01);
    }

    [Theory]
    [InlineData(9, 13, 14, 7, 2)] // Conv3d_1a_7x7 on odd and even sizes: asymmetric pad
    [InlineData(8, 16, 16, 7, 2)]
    [InlineData(5, 6, 7, 3, 1)]   // 3×3×3: symmetric, no copy
    [InlineData(4, 5, 5, 1, 1)]
    public void Equals_explicit_tf_same_padding_then_valid_convolution(long t, long h, long w, long k, long s)
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var unit = new InflatedConv3d(2, 4, (k, k, k), (s, s, s), useBatchNorm: false, activation: false).OnDevice();
        var x = randn(new long[] { 1, 2, t, h, w }).OnDevice();
        var pad = new long[6];
        for (int d = 0; d < 3; d++)
        {
            var (b, a) = TfSamePadding.Compute(x.shape[2 + d], k, s);
            pad[(2 - d) * 2] = b;
            pad[(2 - d) * 2 + 1] = a;
        }
        var expected = nn.functional.conv3d(nn.functional.pad(x, pad), unit.Convolution.weight!, null, [s, s, s]);
        var actual = unit.forward(x);
        actual.shape.Should().Equal(1, 4, TfSamePadding.OutputSize(t, s), TfSamePadding.OutputSize(h, s), TfSamePadding.OutputSize(w, s));
        actual.allclose(expected, 1e-5, 1e-6).Should().BeTrue();
    }

    [Fact]
    public void Batch_norm_and_relu_follow_the_convolution()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var unit = new InflatedConv3d(2, 3, (1, 1, 1));
        unit.eval();
        using (no_grad())
        {
            unit.BatchNorm!.running_mean!.copy_(tensor(new[] { 0.5f, -0.5f, 0f }));
            unit.BatchNorm!.running_var!.copy_(tensor(new[] { 4f, 1f, 0.25f }));
            unit.BatchNorm!.weight.copy_(tensor(new[] { 1f, 2f, -1f }));
            unit.BatchNorm!.bias!.copy_(tensor(new[] { 0.1f, 0f, 0.2f }));
        }
        unit.OnDevice();
        var x = randn(new long[] { 2, 2, 3, 4, 4 }).OnDevice();
        var conv = nn.functional.conv3d(x, unit.Convolution.weight!);
        var mean = tensor(new[] { 0.5f, -0.5f, 0f }).view(1, 3, 1, 1, 1).OnDevice();
        var var_ = tensor(new[] { 4f, 1f, 0.25f }).view(1, 3, 1, 1, 1).OnDevice();
        var gamma = tensor(new[] { 1f, 2f, -1f }).view(1, 3, 1, 1, 1).OnDevice();
        var beta = tensor(new[] { 0.1f, 0f, 0.2f }).view(1, 3, 1, 1, 1).OnDevice();
        var expected = nn.functional.relu((conv - mean) / sqrt(var_ + 1e-3) * gamma + beta);
        unit.forward(x).allclose(expected, 1e-5, 1e-6).Should().BeTrue();
        (unit.forward(x).min().item<float>() >= 0).Should().BeTrue();
    }

    [Fact]
    public void Explicit_padding_is_used_as_given()
    {
        using var scope = NewDisposeScope();
        var unit = new InflatedConv3d(1, 1, (3, 3, 3), padding: (0, 0, 0), useBatchNorm: false, activation: false);
        unit.UsesTfSamePadding.Should().BeFalse();
        unit.forward(randn(new long[] { 1, 1, 5, 6, 7 })).shape.Should().Equal(1, 1, 3, 4, 5);
    }

    [Fact]
    public void Wrong_channels_name_expected_and_found_shapes()
    {
        using var unit = new InflatedConv3d(3, 8, (3, 3, 3), name: "Conv3d_test");
        using var x = zeros(new long[] { 1, 2, 4, 8, 8 });
        FluentActions.Invoking(() => unit.forward(x)).Should().Throw<ArgumentException>()
            .WithMessage("*Conv3d_test*[B, 3, T, H, W]*[1, 2, 4, 8, 8]*");
    }

    [Fact]
    public void Rejects_invalid_construction()
    {
        FluentActions.Invoking(() => new InflatedConv3d(0, 8, (3, 3, 3))).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => new InflatedConv3d(3, 8, (0, 3, 3))).Should().Throw<ArgumentException>();
        FluentActions.Invoking(() => new InflatedConv3d(3, 8, (3, 3, 3), padding: (-1, 0, 0))).Should().Throw<ArgumentException>();
    }
}
