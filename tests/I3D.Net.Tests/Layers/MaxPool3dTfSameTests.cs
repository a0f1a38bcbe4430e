using I3D.Net.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Layers;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class MaxPool3dTfSameTests
{
    /// <summary>The plain definition: pad with −∞ by TF-SAME, then a VALID pool.</summary>
    private static Tensor Reference(Tensor x, long[] k, long[] s)
    {
        var pad = new long[6];
        for (int d = 0; d < 3; d++)
        {
            var (b, a) = TfSamePadding.Compute(x.shape[2 + d], k[d], s[d]);
            pad[(2 - d) * 2] = b;
            pad[(2 - d) * 2 + 1] = a;
        }
        return nn.functional.max_pool3d(nn.functional.pad(x, pad, PaddingModes.Constant, double.NegativeInfinity), k, s);
    }

    public static TheoryData<long, long, long, long, long, long, long, long, long> Cases()
    {
        var data = new TheoryData<long, long, long, long, long, long, long, long, long>();
        // I3D's pools: 2a/3a (1,3,3)/(1,2,2); 4a (3,3,3)/2; 5a (2,2,2)/2; branch pool (3,3,3)/1 — on odd and even sizes.
        foreach (var (k, s) in new[] { ((1L, 3L, 3L), (1L, 2L, 2L)), ((3L, 3L, 3L), (2L, 2L, 2L)), ((2L, 2L, 2L), (2L, 2L, 2L)), ((3L, 3L, 3L), (1L, 1L, 1L)) })
            foreach (var size in new[] { (1L, 1L, 2L), (4L, 7L, 8L), (5L, 13L, 14L), (3L, 2L, 9L) })
                data.Add(size.Item1, size.Item2, size.Item3, k.Item1, k.Item2, k.Item3, s.Item1, s.Item2, s.Item3);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Equals_minus_infinity_padding_reference(long t, long h, long w, long kt, long kh, long kw, long st, long sh, long sw)
    {
        using var scope = NewDisposeScope();
        // Negative values: zero padding would win the max here and be caught.
        var x = (-rand(new long[] { 2, 3, t, h, w }) - 0.5).OnDevice();
        var pool = new MaxPool3dTfSame((kt, kh, kw), (st, sh, sw));
        var actual = pool.forward(x);
        var expected = Reference(x, [kt, kh, kw], [st, sh, sw]);
        actual.shape.Should().Equal(expected.shape);
        actual.shape.Skip(2).Should().Equal(
            TfSamePadding.OutputSize(t, st), TfSamePadding.OutputSize(h, sh), TfSamePadding.OutputSize(w, sw));
        actual.allclose(expected, 0, 0).Should().BeTrue();
        (actual.max().item<float>() < 0).Should().BeTrue("padded cells must never win the max");
    }

    [Fact]
    public void Keeps_the_input_layout_and_the_gradient_on_the_cpu_route_through_ndhwc()
    {
        using var scope = NewDisposeScope();
        // Stride-1 pools run through NDHWC on the CPU; callers must not see it.
        var pool = new MaxPool3dTfSame((3, 3, 3), (1, 1, 1));
        var x = randn(new long[] { 2, 5, 4, 6, 7 }).requires_grad_(true);
        var y = pool.forward(x);
        var weights = randn(y.shape);
        (y * weights).sum().backward();

        var reference = x.detach().clone().requires_grad_(true);
        (Reference(reference, [3, 3, 3], [1, 1, 1]) * weights).sum().backward();
        y.is_contiguous().Should().BeTrue("an NCDHW input gives an NCDHW output");
        x.grad!.allclose(reference.grad!, 0, 0).Should().BeTrue();
        ChannelsLast3d.IsApplied(pool.forward(ChannelsLast3d.Apply(x.detach()))).Should().BeTrue("an NDHWC input stays NDHWC");
    }

    [Fact]
    public void Rejects_wrong_rank()
    {
        using var x = rand(new long[] { 1, 3, 8, 8 });
        var pool = new MaxPool3dTfSame((3, 3, 3), (1, 1, 1));
        FluentActions.Invoking(() => pool.forward(x)).Should().Throw<ArgumentException>().WithMessage("*[B, C, T, H, W]*[1, 3, 8, 8]*");
    }
}
