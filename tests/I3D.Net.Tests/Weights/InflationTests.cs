using I3D.Net.Weights;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace I3D.Net.Tests.Weights;

public class InflationTests
{
    // Every conv shape of I3D: (kT, k, stride, in, out). 1a is 7x7x7 stride 2 with TF-SAME padding;
    // Mixed branches use 3x3x3 and 1x1x1 with stride 1.
    public static TheoryData<long, long, long, long, long, InflationMode> I3DConvShapes()
    {
        var data = new TheoryData<long, long, long, long, long, InflationMode>();
        foreach (var mode in new[] { InflationMode.RepeatAndDivide, InflationMode.Centre })
        {
            data.Add(7, 7, 2, 3, 8, mode);
            data.Add(3, 3, 1, 6, 5, mode);
            data.Add(1, 1, 1, 6, 4, mode);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(I3DConvShapes))]
    public void InflatedConvOnStaticClipEqualsTheTwoDConvOfTheFrame(long kT, long k, long stride, long cin, long cout, InflationMode mode)
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(1234);
        var w2d = randn(new[] { cout, cin, k, k }, generator: gen) * 0.1;
        var frame = randn(new[] { 1, cin, 17, 17 }, generator: gen);
        const long frames = 13;

        var w3d = Inflation.InflateConv2d(w2d, kT, mode);
        w3d.shape.Should().Equal(cout, cin, kT, k, k);

        // TF "SAME" padding in space, as I3D uses: total = max((ceil(n/s)-1)*s + k - n, 0), the extra pixel after.
        long n = frame.shape[3];
        long outSize = (n + stride - 1) / stride;
        long total = Math.Max((outSize - 1) * stride + k - n, 0);
        long before = total / 2, after = total - before;

        var expected = F.conv2d(F.pad(frame, new[] { before, after, before, after }), w2d, strides: new[] { stride, stride });

        // A "boring" video: the same frame repeated. No temporal padding, so every output time is interior.
        var clip = frame.unsqueeze(2).expand(1, cin, frames, n, n).contiguous();
        var actual = F.conv3d(F.pad(clip, new[] { before, after, before, after, 0L, 0L }), w3d,
            strides: new[] { stride, stride, stride });

        long outT = actual.shape[2];
        outT.Should().Be((frames - kT) / stride + 1);
        for (long t = 0; t < outT; t++)
        {
            var slice = actual.select(2, t);
            slice.shape.Should().Equal(expected.shape);
            var maxDiff = (slice - expected).abs().max().item<float>();
            maxDiff.Should().BeLessThan(1e-5f, $"time {t} of {outT} ({mode}, k={k}, kT={kT})");
        }
    }

    [Fact]
    public void RepeatAndDivideSpreadsTheKernelEvenlyOverTime()
    {
        using var scope = NewDisposeScope();
        var w2d = arange(2 * 3 * 3 * 3, dtype: ScalarType.Float32).reshape(2, 3, 3, 3);
        var w3d = Inflation.InflateConv2d(w2d, 3);
        for (long t = 0; t < 3; t++)
            w3d.select(2, t).allclose(w2d / 3).Should().BeTrue();
        w3d.sum(new long[] { 2 }).allclose(w2d).Should().BeTrue();
    }

    [Fact]
    public void CentrePutsTheWholeKernelInTheMiddleTimeSlot()
    {
        using var scope = NewDisposeScope();
        var w2d = arange(2 * 3 * 3 * 3, dtype: ScalarType.Float32).reshape(2, 3, 3, 3) + 1;
        var w3d = Inflation.InflateConv2d(w2d, 5, InflationMode.Centre);
        w3d.select(2, 2).allclose(w2d).Should().BeTrue();
        foreach (var t in new long[] { 0, 1, 3, 4 })
            w3d.select(2, t).abs().sum().item<float>().Should().Be(0f);
    }

    [Fact]
    public void InflationDoesNotAliasOrModifyTheSource()
    {
        using var scope = NewDisposeScope();
        var w2d = ones(1, 1, 1, 1);
        var w3d = Inflation.InflateConv2d(w2d, 1);
        w3d.add_(5);
        w2d.item<float>().Should().Be(1f);

        var gamma = ones(4);
        var copy = Inflation.InflateBatchNorm(gamma);
        copy.mul_(3);
        gamma.sum().item<float>().Should().Be(4f);
    }

    [Fact]
    public void AverageInputChannelsReplicatesTheRgbMean()
    {
        using var scope = NewDisposeScope();
        // Output channel o, input channel i holds o*10 + i.
        var w = (arange(2).reshape(2, 1, 1, 1, 1) * 10 + arange(3).reshape(1, 3, 1, 1, 1)).to(ScalarType.Float32)
            .expand(2, 3, 7, 7, 7).contiguous();
        var flow = Inflation.AverageInputChannels(w, 2);
        flow.shape.Should().Equal(2, 2, 7, 7, 7);
        flow.select(0, 0).allclose(full(new long[] { 2, 7, 7, 7 }, 1f)).Should().BeTrue();
        flow.select(0, 1).allclose(full(new long[] { 2, 7, 7, 7 }, 11f)).Should().BeTrue();
    }

    [Fact]
    public void BadShapesAreRejectedWithTheShapeInTheMessage()
    {
        using var scope = NewDisposeScope();
        var act = () => Inflation.InflateConv2d(ones(3, 3, 3), 3);
        act.Should().Throw<ArgumentException>().WithMessage("*[O, I, kH, kW]*[3, 3, 3]*");
        var zeroT = () => Inflation.InflateConv2d(ones(1, 1, 3, 3), 0);
        zeroT.Should().Throw<ArgumentOutOfRangeException>();
        var bn = () => Inflation.InflateBatchNorm(ones(2, 2));
        bn.Should().Throw<ArgumentException>().WithMessage("*[C]*[2, 2]*");
        var avg = () => Inflation.AverageInputChannels(ones(4), 2);
        avg.Should().Throw<ArgumentException>();
    }
}
