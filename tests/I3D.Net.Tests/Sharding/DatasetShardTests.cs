using I3D.Net.Data;

namespace I3D.Net.Tests.Sharding;

/// <summary>Issue 17: <see cref="DatasetShard"/> parsing, the partition it makes, and its hash pinned.</summary>
public sealed class DatasetShardTests
{
    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("3/8", 3, 8)]
    [InlineData(" 2 / 5 ", 2, 5)]
    [InlineData("10/10", 10, 10)]
    public void Parses_K_over_N_and_prints_it_back(string text, int index, int count)
    {
        var shard = DatasetShard.Parse(text);
        (shard.Index, shard.Count).Should().Be((index, count));
        shard.ToString().Should().Be($"{index}/{count}");
        DatasetShard.Parse(shard.ToString()).Should().Be(shard);
        DatasetShard.TryParse(text, out var parsed).Should().BeTrue();
        parsed.Should().Be(shard);
    }

    [Theory]
    [InlineData("", "K/N")]
    [InlineData("3", "K/N")]
    [InlineData("3of8", "K/N")]
    [InlineData("a/b", "K/N")]
    [InlineData("1/2/3", "K/N")]
    [InlineData("-1/3", "K/N")]
    [InlineData("1.5/3", "K/N")]
    public void Refuses_text_that_is_not_two_whole_numbers_with_a_FormatException_naming_what_it_found(string text, string expected)
    {
        var act = () => DatasetShard.Parse(text);
        act.Should().Throw<FormatException>().WithMessage($"*{expected}*found '{text}'*");
        DatasetShard.TryParse(text, out var result).Should().BeFalse();
        result.Should().BeNull();
    }

    [Theory]
    [InlineData("0/3")]
    [InlineData("4/3")]
    [InlineData("1/0")]
    [InlineData("0/0")]
    public void Refuses_K_outside_1_to_N_with_an_ArgumentException(string text)
    {
        var act = () => DatasetShard.Parse(text);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage($"*1 ≤ K ≤ N*found '{text}'*");
        DatasetShard.TryParse(text, out _).Should().BeFalse();
        var construct = () => new DatasetShard(int.Parse(text[..1]), int.Parse(text[2..]));
        construct.Should().Throw<ArgumentOutOfRangeException>();
    }

    [Fact]
    public void Whole_is_1_of_1_and_contains_everything()
    {
        DatasetShard.Whole.Should().Be(new DatasetShard(1, 1));
        DatasetShard.Whole.IsWhole.Should().BeTrue();
        Paths(200).Should().OnlyContain(p => DatasetShard.Whole.Contains(p));
        DatasetShard.Parse("1/1", null).Should().Be(DatasetShard.Whole);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Every_item_is_in_exactly_one_shard_and_the_shards_are_roughly_even(int n)
    {
        var items = Paths(1000);
        var shards = Enumerable.Range(1, n).Select(k => new DatasetShard(k, n)).ToArray();
        foreach (var item in items)
            shards.Count(s => s.Contains(item)).Should().Be(1, $"'{item}' must be in exactly one of {n} shards");
        var sizes = shards.Select(s => items.Count(s.Contains)).ToArray();
        sizes.Sum().Should().Be(items.Count);
        // 1000 items over n ≤ 5 shards: each gets 1000/n ± 5 standard deviations of a binomial (a real hash, not one bucket).
        foreach (var size in sizes)
            Math.Abs(size - 1000.0 / n).Should().BeLessThan(5 * Math.Sqrt(1000.0 / n * (1 - 1.0 / n)) + 1);
    }

    [Fact]
    public void Adding_or_removing_other_items_moves_no_item_to_another_shard()
    {
        var before = Paths(300);
        var after = before.Where((_, i) => i % 7 != 0).Concat(Paths(500).Select(p => "new/" + p)).Reverse().ToList();
        for (var n = 1; n <= 5; n++)
        {
            var placeBefore = before.ToDictionary(p => p, p => DatasetShard.IndexOf(p, n));
            foreach (var p in after.Where(placeBefore.ContainsKey))
                DatasetShard.IndexOf(p, n).Should().Be(placeBefore[p]);
            foreach (var p in after)
                new DatasetShard(DatasetShard.IndexOf(p, n), n).Contains(p).Should().BeTrue();
        }
    }

    /// <summary>
    /// Values computed outside .NET with a reference xxHash64 (seed 0) over the UTF-8 path: a change of hash function,
    /// seed, encoding or normalisation moves items between shards of jobs already run, and must fail here.
    /// </summary>
    [Theory]
    [InlineData("a", 0xd24ec4f1a98c6e5bUL, 2, 3, 1, 4)]
    [InlineData("train/walk/clip0.mp4", 0xc2da393f0cfd3cd7UL, 2, 2, 3, 8)]
    [InlineData("abc/def.avi", 0x91f84ab03b9c23a3UL, 2, 1, 2, 4)]
    [InlineData("kinetics400/train/abseiling/-3B32lodo2M_000059_000069.mp4", 0xacf2c8890c92d40fUL, 2, 3, 2, 8)]
    [InlineData("val/Ünïcödé/клип.mp4", 0x7214f974a46e83c4UL, 1, 3, 1, 5)]
    [InlineData("v.mp4", 0x048cc004a4e53304UL, 1, 3, 4, 5)]
    public void Hash_values_are_pinned(string path, ulong hash, int of2, int of3, int of5, int of8)
    {
        DatasetShard.Hash(path).Should().Be(hash);
        new[] { 2, 3, 5, 8 }.Select(n => DatasetShard.IndexOf(path, n)).Should().Equal(of2, of3, of5, of8);
        new DatasetShard(of8, 8).Contains(path).Should().BeTrue();
    }

    [Fact]
    public void Backslashes_count_as_slashes_and_case_matters()
    {
        DatasetShard.Hash(@"train\walk\clip0.mp4").Should().Be(0xc2da393f0cfd3cd7UL);
        DatasetShard.Hash("Train/walk/clip0.mp4").Should().NotBe(0xc2da393f0cfd3cd7UL);
    }

    [Theory]
    [InlineData("/data/train/a.mp4")]
    [InlineData(@"\data\a.mp4")]
    [InlineData(@"C:\data\a.mp4")]
    [InlineData("")]
    public void Refuses_an_absolute_or_empty_path(string path)
    {
        var act = () => new DatasetShard(1, 2).Contains(path);
        act.Should().Throw<ArgumentException>();
    }

    private static List<string> Paths(int count) =>
        Enumerable.Range(0, count).Select(i => $"{(i % 3 == 0 ? "train" : "val")}/class{i % 17}/video_{i:D5}.mp4").ToList();
}
