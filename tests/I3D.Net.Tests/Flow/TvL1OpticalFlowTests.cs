using I3D.Net.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Flow;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TvL1OpticalFlowTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.7, -0.4)]
    [InlineData(-1.3, 2.25)]
    public void Recovers_a_subpixel_translation_of_a_smooth_texture(double dx, double dy)
    {
        using var scope = NewDisposeScope();
        var (previous, next) = Texture(64, 64, dx, dy, seed: 3);

        var flow = new TvL1OpticalFlow().Compute(previous, next);

        flow.shape.Should().Equal(1, 2, 64, 64);
        flow.dtype.Should().Be(ScalarType.Float32);
        var epe = FlowTestData.MeanEndPointError(flow, Constant(1, 64, 64, dx, dy), border: 8);
        output.WriteLine($"translation ({dx}, {dy}): mean EPE on interior pixels {epe:F4} px");
        epe.Should().BeLessThan(0.1, "the mean end-point error on interior pixels of an exact translation");
        flow[0, 0].mean().item<float>().Should().BeApproximately((float)dx, 0.1f, "x is channel 0, positive to the right");
        flow[0, 1].mean().item<float>().Should().BeApproximately((float)dy, 0.1f, "y is channel 1, positive downwards");
    }

    [Fact]
    public void Matches_OpenCV_stage_by_stage_on_a_short_schedule()
    {
        // 3 levels, 2 warps, 2 median filterings, 10 inner iterations, no early stop (see the fixture's JSON):
        // every stage runs, but too few iterations for float rounding differences to grow.
        using var scope = NewDisposeScope();
        var (previous, next, expected) = LoadFixture("cricket112_short");
        var options = new TvL1OpticalFlowOptions { ScalesNumber = 3, Warps = 2, InnerIterations = 10, OuterIterations = 2, Epsilon = 0 };

        var flow = new TvL1OpticalFlow(options).Compute(previous, next);

        var error = (flow - expected).pow(2).sum(1).sqrt();
        var p99 = error.flatten().kthvalue((long)(error.numel() * 0.99), 0).values.item<float>();
        output.WriteLine($"short schedule: mean EPE vs OpenCV {error.mean().item<float>():G3} px, 99th percentile {p99:G3} px, " +
                         $"max {error.max().item<float>():G3} px (outermost pixels, where the zero-padded warp saturates the thresholding)");
        error.mean().item<float>().Should().BeLessThan(1e-3f);
        p99.Should().BeLessThan(0.01f);
    }

    [Fact]
    public void Matches_OpenCV_DualTVL1_with_default_parameters_on_real_frames() => CompareWithOpenCV("cricket112", meanBound: 0.06);

    [Fact]
    [Trait("Category", "Heavy")]
    public void Matches_OpenCV_DualTVL1_with_default_parameters_at_224() => CompareWithOpenCV("cricket224", meanBound: 0.09);

    /// <summary>
    /// OpenCV's own result moves by a mean EPE of 0.03–0.04 px at 112² and 0.056–0.063 px at 224² (0.12–0.16 px on
    /// moving pixels) when its 8-bit input is perturbed by 0.001–0.01 grey levels (<c>make_tvl1_fixture.py
    /// --sensitivity</c>, docs/flow.md): up to 7500 iterations amplify rounding. An independent implementation cannot
    /// be closer than that; the bounds are about 1.5× that spread.
    /// </summary>
    private void CompareWithOpenCV(string fixture, double meanBound)
    {
        using var scope = NewDisposeScope();
        var (previous, next, expected) = LoadFixture(fixture);

        var flow = new TvL1OpticalFlow().Compute(previous, next);

        var error = (flow - expected).pow(2).sum(1).sqrt();
        var magnitude = expected.pow(2).sum(1).sqrt();
        var moving = magnitude.gt(0.5);
        double epe = error.mean().item<float>(), movingEpe = error.masked_select(moving).mean().item<float>();
        output.WriteLine($"{fixture}: mean EPE vs OpenCV {epe:F4} px, on pixels moving > 0.5 px {movingEpe:F4} px; " +
                         $"OpenCV mean |flow| {magnitude.mean().item<float>():F3} px");
        epe.Should().BeLessThan(meanBound);
        movingEpe.Should().BeLessThan(0.25);
    }

    private static (Tensor Previous, Tensor Next, Tensor Flow) LoadFixture(string name)
    {
        var frames = Npy.Load(FlowTestData.Fixture("flow", $"{name}_frames.npy")).to(ScalarType.Float32);
        var expected = Npy.Load(FlowTestData.Fixture("flow", $"{name}_flow.npy"));
        return (frames.index_select(0, arange(0, frames.shape[0], 2)).OnDevice(), frames.index_select(0, arange(1, frames.shape[0], 2)).OnDevice(),
            expected.OnDevice());
    }

    /// <summary>FlowTestData's translated texture on the test device (TV-L1 runs where its inputs are).</summary>
    private static (Tensor Previous, Tensor Next) Texture(int height, int width, double dx, double dy, int seed)
    {
        var (previous, next) = FlowTestData.TranslatedTexture(height, width, dx, dy, seed);
        return (previous.OnDevice(), next.OnDevice());
    }

    private static Tensor Constant(long n, long height, long width, double dx, double dy) =>
        FlowTestData.Constant(n, height, width, dx, dy).OnDevice();

    [Fact]
    public void A_pair_gives_the_same_flow_alone_and_in_a_batch()
    {
        using var scope = NewDisposeScope();
        var (p1, n1) = Texture(48, 40, 0.7, -0.4, seed: 1);
        var (p2, n2) = Texture(48, 40, -2.0, 1.0, seed: 2);
        var tvl1 = new TvL1OpticalFlow();

        var batched = tvl1.Compute(cat(new[] { p1, p2 }), cat(new[] { n1, n2 }));
        var alone = cat(new[] { tvl1.Compute(p1, n1), tvl1.Compute(p2, n2) });

        (batched - alone).abs().max().item<float>().Should().BeLessThan(1e-3f);
    }

    [Fact]
    public void Identical_frames_give_zero_flow_and_leave_no_live_tensors()
    {
        var (previous, _) = Texture(32, 32, 0, 0, seed: 4);
        using (previous)
        {
            var before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            using (var inner = NewDisposeScope())
                new TvL1OpticalFlow().Compute(previous, previous).abs().max().item<float>().Should().BeLessThan(1e-4f);
            previous.IsInvalid.Should().BeFalse("the caller's frames are not disposed");
            DisposeScopeManager.Statistics.ThreadTotalLiveCount.Should().Be(before,
                "every intermediate of thousands of iterations is disposed");
        }
    }

    [Theory]
    [InlineData(24, 40, 0.5)]   // the pyramid stops at one level: the next would be 12 px high
    [InlineData(37, 53, 0.8)]   // odd, non-square sizes through a 4-level pyramid
    public void Handles_small_and_non_square_frames(int height, int width, double scaleStep)
    {
        using var scope = NewDisposeScope();
        var (previous, next) = Texture(height, width, 0.5, -0.3, seed: 12);

        var flow = new TvL1OpticalFlow(new TvL1OpticalFlowOptions { ScaleStep = scaleStep }).Compute(previous, next);

        flow.shape.Should().Equal(1, 2, height, width);
        FlowTestData.MeanEndPointError(flow, Constant(1, height, width, 0.5, -0.3), border: 6).Should().BeLessThan(0.15);
        using var tiny = new TvL1OpticalFlow().Compute(previous.narrow(1, 0, 3).narrow(2, 0, 3), next.narrow(1, 0, 3).narrow(2, 0, 3));
        tiny.shape.Should().Equal(1, 2, 3, 3);
        tiny.isfinite().all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void Initial_flow_is_used_at_the_coarsest_level()
    {
        using var scope = NewDisposeScope();
        var (previous, next) = Texture(48, 48, 3.0, -2.0, seed: 5);
        var options = new TvL1OpticalFlowOptions { ScalesNumber = 1, Warps = 1, OuterIterations = 1, InnerIterations = 5, MedianFiltering = 0 };
        var tvl1 = new TvL1OpticalFlow(options);

        var fromZero = FlowTestData.MeanEndPointError(tvl1.Compute(previous, next), Constant(1, 48, 48, 3, -2), border: 8);
        var fromTruth = FlowTestData.MeanEndPointError(
            tvl1.Compute(previous, next, Constant(1, 48, 48, 3, -2)), Constant(1, 48, 48, 3, -2), border: 8);

        fromTruth.Should().BeLessThan(0.1);
        fromZero.Should().BeGreaterThan(1, "five iterations on one level cannot find a 3.6 px motion");
    }

    [Fact]
    public void Illumination_term_absorbs_a_brightness_change()
    {
        using var scope = NewDisposeScope();
        var (previous, next) = Texture(64, 64, 0.7, -0.4, seed: 6);
        var brighter = (next + 12).clamp_(0, 255);
        var truth = Constant(1, 64, 64, 0.7, -0.4);

        var plain = FlowTestData.MeanEndPointError(new TvL1OpticalFlow().Compute(previous, brighter), truth, border: 8);
        var withGamma = FlowTestData.MeanEndPointError(
            new TvL1OpticalFlow(new TvL1OpticalFlowOptions { Gamma = 0.5 }).Compute(previous, brighter), truth, border: 8);

        withGamma.Should().BeLessThan(plain);
    }

    [Theory]
    [InlineData("Tau", 0.0)]
    [InlineData("ScaleStep", 1.0)]
    [InlineData("MedianFiltering", 4.0)]
    [InlineData("Warps", 0.0)]
    public void Rejects_out_of_range_options(string name, double value)
    {
        var options = name switch
        {
            "Tau" => new TvL1OpticalFlowOptions { Tau = value },
            "ScaleStep" => new TvL1OpticalFlowOptions { ScaleStep = value },
            "MedianFiltering" => new TvL1OpticalFlowOptions { MedianFiltering = (int)value },
            _ => new TvL1OpticalFlowOptions { Warps = (int)value },
        };

        var act = () => new TvL1OpticalFlow(options);

        act.Should().Throw<ArgumentException>().Which.ParamName.Should().Be(name);
    }

    [Fact]
    public void Rejects_mismatched_or_non_float_frames()
    {
        using var scope = NewDisposeScope();
        var tvl1 = new TvL1OpticalFlow();

        FluentActions.Invoking(() => tvl1.Compute(zeros(1, 32, 32), zeros(1, 32, 33)))
            .Should().Throw<ArgumentException>().WithMessage("*same shape*[1, 32, 33]*");
        FluentActions.Invoking(() => tvl1.Compute(zeros(32, 32), zeros(32, 32)))
            .Should().Throw<ArgumentException>().WithMessage("*[N, H, W]*");
        FluentActions.Invoking(() => tvl1.Compute(zeros(1, 32, 32, ScalarType.Byte), zeros(1, 32, 32, ScalarType.Byte)))
            .Should().Throw<ArgumentException>().WithMessage("*floating-point*");
        FluentActions.Invoking(() => tvl1.Compute(zeros(1, 32, 32), zeros(1, 32, 32), zeros(1, 2, 16, 16)))
            .Should().Throw<ArgumentException>().WithMessage("*initial flow*");
    }
}
