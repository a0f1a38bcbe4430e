using I3D.Net.Data.Sampling;

namespace I3D.Net.Tests.Data.Sampling;

public class SamplingTests
{
    [Fact]
    public void Counter_random_is_a_pure_function_of_its_key()
    {
        var a = new CounterRandom(7, 3, 11, RandomStream.Crop);
        var b = new CounterRandom(7, 3, 11, RandomStream.Crop);
        var c = new CounterRandom(7, 3, 12, RandomStream.Crop);
        var d = new CounterRandom(7, 3, 11, RandomStream.Flip);
        var sa = Enumerable.Range(0, 5).Select(_ => a.NextUInt64()).ToArray();
        Enumerable.Range(0, 5).Select(_ => b.NextUInt64()).Should().Equal(sa);
        Enumerable.Range(0, 5).Select(_ => c.NextUInt64()).Should().NotIntersectWith(sa);
        Enumerable.Range(0, 5).Select(_ => d.NextUInt64()).Should().NotIntersectWith(sa);
    }

    [Fact]
    public void Counter_random_integers_are_roughly_uniform()
    {
        var counts = new int[10];
        for (var sample = 0; sample < 20000; sample++)
        {
            var r = new CounterRandom(1, 0, sample, RandomStream.Window);
            counts[r.NextInt(10)]++;
        }
        counts.Should().OnlyContain(c => c > 1800 && c < 2200);
    }

    [Fact]
    public void Epoch_shuffle_is_a_permutation_that_changes_with_the_epoch_and_repeats_with_it()
    {
        var e0 = EpochShuffle.Permutation(100, 42, 0);
        e0.Order().Should().Equal(Enumerable.Range(0, 100));
        EpochShuffle.Permutation(100, 42, 0).Should().Equal(e0);
        EpochShuffle.Permutation(100, 42, 1).Should().NotEqual(e0);
        EpochShuffle.Permutation(100, 43, 0).Should().NotEqual(e0);
        e0.Should().NotEqual(Enumerable.Range(0, 100));
    }

    [Fact]
    public void Random_window_stays_inside_and_varies_with_the_key()
    {
        var starts = new HashSet<int>();
        for (var sample = 0; sample < 200; sample++)
        {
            var r = new CounterRandom(0, 0, sample, RandomStream.Window);
            var w = ClipSampler.RandomWindow(100, 8, 2, ref r);
            w.Should().HaveCount(8);
            w.Zip(w.Skip(1), (x, y) => y - x).Should().OnlyContain(d => d == 2);
            w[^1].Should().BeLessThan(100);
            starts.Add(w[0]);
        }
        starts.Min().Should().Be(0);
        starts.Max().Should().Be(100 - 15);
        starts.Count.Should().BeGreaterThan(60);
    }

    [Fact]
    public void Short_videos_are_looped()
    {
        var r = new CounterRandom(0, 0, 0, RandomStream.Window);
        ClipSampler.RandomWindow(5, 12, 1, ref r).Should().Equal(0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1);
        ClipSampler.CenterWindow(3, 4, 2).Should().Equal(0, 2, 1, 0);
    }

    [Fact]
    public void Center_and_evenly_spaced_windows()
    {
        ClipSampler.CenterWindow(100, 10, 1).Should().Equal(Enumerable.Range(45, 10));
        var windows = ClipSampler.EvenlySpacedWindows(100, 10, 1, 3);
        windows.Select(w => w[0]).Should().Equal(0, 45, 90);
        windows[2][^1].Should().Be(99);
        ClipSampler.EvenlySpacedWindows(100, 10, 1, 1)[0].Should().Equal(ClipSampler.CenterWindow(100, 10, 1));
    }

    [Fact]
    public void Invalid_arguments_throw()
    {
        var act = () => ClipSampler.CenterWindow(0, 4, 1);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*at least one frame*");
        var act2 = () => ClipSampler.Window(0, 10, 4, 0);
        act2.Should().Throw<ArgumentOutOfRangeException>();
    }
}
