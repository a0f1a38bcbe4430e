using I3D.Net.Flow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Flow;

public class MedianNetworkTests
{
    /// <summary>The straightforward median: every window copied out, the middle value selected per pixel.</summary>
    private static Tensor ReferenceMedian(Tensor padded, int size)
    {
        long h = padded.shape[^2] - size + 1, w = padded.shape[^1] - size + 1;
        var windows = padded.unfold(-2, size, 1).unfold(-2, size, 1);
        return windows.reshape([.. padded.shape[..^2], h, w, size * size]).kthvalue(size * size / 2 + 1, dim: -1).values;
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(7)]
    public void EqualsTheSelectedMedianExactly(int size)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)size);
        var continuous = randn(new long[] { 2, 3, 11, 13 }, generator: generator);
        var ties = randint(0, 4, new long[] { 2, 3, 11, 13 }, generator: generator).to(float32); // many equal values

        foreach (var image in new[] { continuous, ties, continuous[0, 1] })
        {
            var actual = MedianNetwork.For(size).Apply(image);
            actual.shape.Should().Equal(image.shape[..^2].Concat(new[] { 11L - size + 1, 13L - size + 1 }));
            actual.eq(ReferenceMedian(image, size)).all().item<bool>().Should().BeTrue();
        }
    }

    [Fact]
    public void MedianBlurKeepsTheImageSizeWithAReplicatedBorder()
    {
        using var scope = NewDisposeScope();
        // A bright top-left corner pixel: with a replicated border it fills 9 of its 5×5 window's 25 cells, under half.
        var image = zeros(1, 1, 6, 6);
        image[0, 0, 0, 0] = tensor(10f);
        image[0, 0, 5, 5] = tensor(7f);
        image[0, 0, 5, 4] = tensor(7f);
        image[0, 0, 4, 5] = tensor(7f);

        var blurred = FlowImageOps.MedianBlur(image, 5);

        blurred.shape.Should().Equal(1, 1, 6, 6);
        blurred[0, 0, 0, 0].item<float>().Should().Be(0f);
        // Bottom-right: its window reads rows and columns 3, 4, 5, 5, 5; the three 7s fill 9 + 3 + 3 = 15 of 25 cells.
        blurred[0, 0, 5, 5].item<float>().Should().Be(7f);
    }

    [Fact]
    public void BatcherNetworkSortsAndTheMedianNetworkIsPruned()
    {
        var comparators = MedianNetwork.BatcherComparators(32).ToList();
        var random = new Random(3);
        for (var trial = 0; trial < 500; trial++)
        {
            var values = Enumerable.Range(0, 32).Select(_ => random.Next(8)).ToArray();
            foreach (var (low, high) in comparators)
                if (values[low] > values[high]) (values[low], values[high]) = (values[high], values[low]);
            values.Should().BeInAscendingOrder();
        }
        comparators.Should().HaveCount(191);
        MedianNetwork.For(5).Operations.Should().Be(202, "2 × 191 min/max less those that only meet +∞ or never reach the median");
    }
}
