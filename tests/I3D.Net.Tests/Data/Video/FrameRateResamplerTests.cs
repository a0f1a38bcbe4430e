using I3D.Net.Data.Video;

namespace I3D.Net.Tests.Data.Video;

public class FrameRateResamplerTests
{
    [Fact]
    public void Fifty_fps_to_25_takes_every_other_frame()
    {
        FrameRateResampler.ResampledCount(100, 50, 25).Should().Be(50);
        FrameRateResampler.SourceIndices([0, 1, 2, 49], 100, 50, 25).Should().Equal(0, 2, 4, 98);
    }

    [Fact]
    public void Thirty_fps_to_25_skips_one_in_six()
    {
        FrameRateResampler.ResampledCount(60, 30, 25).Should().Be(50);
        FrameRateResampler.SourceIndices(Enumerable.Range(0, 6).ToArray(), 60, 30, 25).Should().Equal(0, 1, 2, 3, 4, 6);
    }

    [Fact]
    public void Slower_sources_repeat_frames_and_unknown_rates_pass_through()
    {
        FrameRateResampler.ResampledCount(10, 12.5, 25).Should().Be(20);
        FrameRateResampler.SourceIndices([0, 1, 2, 3], 10, 12.5, 25).Should().Equal(0, 0, 1, 1);
        FrameRateResampler.ResampledCount(10, 0, 25).Should().Be(10);
        FrameRateResampler.SourceIndices([3, 20], 10, 0, 25).Should().Equal(3, 9);
        FrameRateResampler.ResampledCount(10, 30, null).Should().Be(10);
    }
}
