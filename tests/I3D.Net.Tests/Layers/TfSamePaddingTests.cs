using I3D.Net.Layers;

namespace I3D.Net.Tests.Layers;

public class TfSamePaddingTests
{
    [Theory]
    // Conv3d_1a_7x7 on 64×224²: 7 wide, stride 2 → total 5 = (2, 3) in every dimension.
    [InlineData(64, 7, 2, 2, 3)]
    [InlineData(224, 7, 2, 2, 3)]
    // MaxPool3d_2a_3x3 (1×3×3, stride 1×2×2) on 112²: (0, 1) on H and W, nothing on T.
    [InlineData(112, 3, 2, 0, 1)]
    [InlineData(32, 1, 1, 0, 0)]
    // MaxPool3d_5a_2x2 (stride 2): even sizes need no padding, odd sizes one cell at the end.
    [InlineData(14, 2, 2, 0, 0)]
    [InlineData(13, 2, 2, 0, 1)]
    [InlineData(7, 2, 2, 0, 1)]
    // 3×3×3 stride 1 (Conv3d_2c, Mixed branches): symmetric (1, 1).
    [InlineData(56, 3, 1, 1, 1)]
    // Stride larger than the kernel needs none.
    [InlineData(5, 1, 2, 0, 0)]
    // An input smaller than the kernel: ceil(3/2) = 2 outputs need 1·2 + 7 − 3 = 6.
    [InlineData(3, 7, 2, 3, 3)]
    public void Matches_hand_computed_values(long size, long kernel, long stride, long before, long after)
    {
        TfSamePadding.Compute(size, kernel, stride).Should().Be((before, after));
    }

    [Fact]
    public void Output_size_is_ceil_of_input_over_stride()
    {
        TfSamePadding.OutputSize(224, 2).Should().Be(112);
        TfSamePadding.OutputSize(13, 2).Should().Be(7);
        TfSamePadding.OutputSize(9, 1).Should().Be(9);
    }

    [Fact]
    public void Three_dimensional_overload_pads_each_dimension()
    {
        var (t, h, w) = TfSamePadding.Compute((9, 13, 14), (2, 2, 2), (2, 2, 2));
        t.Should().Be((0L, 1L));
        h.Should().Be((0L, 1L));
        w.Should().Be((0L, 0L));
    }

    [Fact]
    public void Rejects_non_positive_sizes()
    {
        FluentActions.Invoking(() => TfSamePadding.Compute(0, 3, 1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => TfSamePadding.Compute(5, 0, 1)).Should().Throw<ArgumentOutOfRangeException>();
        FluentActions.Invoking(() => TfSamePadding.Compute(5, 3, 0)).Should().Throw<ArgumentOutOfRangeException>();
    }
}
