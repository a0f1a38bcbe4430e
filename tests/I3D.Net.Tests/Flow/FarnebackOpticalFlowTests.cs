using I3D.Net.Flow;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Flow;

public class FarnebackOpticalFlowTests
{
    [Theory]
    [InlineData(0.7, -0.4)]
    [InlineData(2.5, 1.5)]
    public void Recovers_a_translation_of_a_smooth_texture(double dx, double dy)
    {
        using var scope = NewDisposeScope();
        var (previous, next) = FlowTestData.TranslatedTexture(64, 64, dx, dy, seed: 3);

        IOpticalFlow farneback = new FarnebackOpticalFlow();
        var flow = farneback.Compute(previous, next);

        flow.shape.Should().Equal(1, 2, 64, 64);
        FlowTestData.MeanEndPointError(flow, FlowTestData.Constant(1, 64, 64, dx, dy), border: 12)
            .Should().BeLessThan(0.3, "Farneback is less exact than TV-L1 but must find the motion");
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(-3, 0)]
    [InlineData(0, 3)]
    [InlineData(0, -3)]
    public void Follows_the_sign_convention_x_right_y_down(int dx, int dy)
    {
        using var scope = NewDisposeScope();
        var (previous, next) = FlowTestData.TranslatedTexture(48, 48, dx, dy, seed: 8);

        var flow = new FarnebackOpticalFlow().Compute(cat(new[] { previous, previous }), cat(new[] { next, next }));

        var interior = flow.narrow(2, 10, 28).narrow(3, 10, 28);
        var meanX = interior[.., 0].mean().item<float>();
        var meanY = interior[.., 1].mean().item<float>();
        meanX.Should().BeApproximately(dx, 0.5f);
        meanY.Should().BeApproximately(dy, 0.5f);
    }

    [Fact]
    public void Agrees_with_TV_L1_on_a_translation()
    {
        using var scope = NewDisposeScope();
        var (previous, next) = FlowTestData.TranslatedTexture(48, 48, 1.2, -0.8, seed: 9);

        var farneback = new FarnebackOpticalFlow().Compute(previous, next);
        var tvl1 = new TvL1OpticalFlow().Compute(previous, next);

        FlowTestData.MeanEndPointError(farneback, tvl1, border: 10).Should().BeLessThan(0.3);
    }

    [Fact]
    public void Rejects_bad_options_and_frames()
    {
        FluentActions.Invoking(() => new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { PolyN = 6 }))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("PolyN");
        using var scope = NewDisposeScope();
        FluentActions.Invoking(() => new FarnebackOpticalFlow().Compute(zeros(2, 16, 16), zeros(1, 16, 16)))
            .Should().Throw<ArgumentException>().WithMessage("*same shape*");
    }
}
