using I3D.Net.Data;
using I3D.Net.Flow;
using I3D.Net.Tests.Data;

namespace I3D.Net.Tests.Sharding;

/// <summary>Issue 17: <see cref="FlowExtractionOptions.Shard"/> in one process (the multi-process run is <see cref="ShardProcessTests"/>).</summary>
public sealed class FlowShardingTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    internal static FlowExtractor Farneback(DatasetShard? shard = null) =>
        new(new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 1, Iterations = 1 }),
            new FlowExtractionOptions { Shard = shard ?? DatasetShard.Whole, BatchSize = 2 });

    [Fact]
    public async Task Three_shards_write_disjoint_folders_whose_union_is_the_unsharded_output_byte_for_byte()
    {
        var data = _tmp.File("data");
        var videos = ShardTestData.Dataset(data, 12);
        var reference = await Farneback().ExtractDatasetAsync(data, _tmp.File("whole"));
        reference.Extracted.Should().HaveCount(12);
        reference.InOtherShards.Should().Be(0);

        var output = _tmp.File("sharded");
        var seen = new List<string>();
        for (var k = 1; k <= 3; k++)
        {
            var shard = new DatasetShard(k, 3);
            var mine = videos.Where(v => shard.Contains(Path.GetRelativePath(data, v))).ToList();
            var totals = new List<int>();
            var summary = await Farneback(shard).ExtractDatasetAsync(data, output, new SyncProgress<FlowExtractionProgress>(p => totals.Add(p.VideosTotal)));
            summary.Extracted.Should().BeEquivalentTo(mine);
            summary.Skipped.Should().BeEmpty("other shards' folders are not looked at");
            summary.Failed.Should().BeEmpty();
            summary.InOtherShards.Should().Be(12 - mine.Count);
            totals.Should().HaveCount(mine.Count).And.OnlyContain(t => t == mine.Count, "progress counts this shard's videos only");
            seen.AddRange(summary.Extracted);
        }
        seen.Should().BeEquivalentTo(videos, "every video is extracted by exactly one shard");
        seen.Should().OnlyHaveUniqueItems();
        ShardTestData.Contents(output).Should().Equal(ShardTestData.Contents(_tmp.File("whole")));
        ShardTestData.Contents(output).Keys.Should().Contain(Path.Combine("walk", "v000", FlowExtractor.DoneMarker));
    }

    [Fact]
    public async Task Rerunning_a_finished_shard_writes_nothing()
    {
        var data = _tmp.File("data");
        ShardTestData.Dataset(data, 6);
        var output = _tmp.File("flow");
        var shard = new DatasetShard(2, 2);
        var first = await Farneback(shard).ExtractDatasetAsync(data, output);
        first.Extracted.Should().NotBeEmpty();
        var before = ShardTestData.Snapshot(output);
        var folderTimes = Directory.EnumerateDirectories(output, "*", SearchOption.AllDirectories).ToDictionary(d => d, Directory.GetLastWriteTimeUtc);
        await Task.Delay(20);   // a write now would get a later timestamp

        var again = await Farneback(shard).ExtractDatasetAsync(data, output);

        again.Extracted.Should().BeEmpty();
        again.Skipped.Should().BeEquivalentTo(first.Extracted);
        again.InOtherShards.Should().Be(first.InOtherShards);
        ShardTestData.Snapshot(output).Should().Equal(before, "no file is rewritten, touched, added or removed");
        Directory.EnumerateDirectories(output, "*", SearchOption.AllDirectories).ToDictionary(d => d, Directory.GetLastWriteTimeUtc)
            .Should().Equal(folderTimes, "no file is created or deleted in any folder");
    }

    [Fact]
    public async Task A_folder_a_killed_run_left_behind_is_redone_and_its_temporary_files_are_removed()
    {
        var data = _tmp.File("data");
        ShardTestData.Dataset(data, 3, frames: 6);
        var output = _tmp.File("flow");
        await Farneback().ExtractDatasetAsync(data, output);
        var complete = ShardTestData.Contents(output);

        // What a kill between writes leaves: no marker, an unrenamed temporary image, a truncated image, no flow.json.
        var folder = Path.Combine(output, "run", "v001");
        File.Delete(Path.Combine(folder, FlowExtractor.DoneMarker));
        File.Delete(Path.Combine(folder, FlowSettings.FileName));
        File.WriteAllBytes(Path.Combine(folder, $".{FlowExtractor.ImageName('x', 4)}.{Guid.NewGuid():N}.tmp"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(folder, FlowExtractor.ImageName('y', 2)), [0xFF, 0xD8]);

        var rerun = await Farneback().ExtractDatasetAsync(data, output);

        rerun.Extracted.Should().ContainSingle().Which.Should().EndWith(Path.Combine("run", "v001.avi"));
        rerun.Skipped.Should().HaveCount(2);
        ShardTestData.Contents(output).Should().Equal(complete, "the redone folder is whole again, with nothing left of the killed run");
    }

    [Fact]
    public async Task A_dataset_whose_videos_clash_is_refused_by_every_shard_alike()
    {
        var data = _tmp.File("data");
        ShardTestData.MovingVideo(Path.Combine(data, "walk", "a.avi"), 3, 1);
        ShardTestData.MovingVideo(Path.Combine(data, "walk", "a.mkv"), 3, 2);
        for (var k = 1; k <= 3; k++)
        {
            var act = () => Farneback(new DatasetShard(k, 3)).ExtractDatasetAsync(data, _tmp.File("flow"));
            await act.Should().ThrowAsync<ArgumentException>().WithMessage("*would share the flow folder*");
        }
    }

    [Fact]
    public void A_null_shard_is_a_validation_error()
    {
        var act = () => new FlowExtractionOptions { Shard = null! }.Validate();
        act.Should().Throw<ArgumentException>().WithMessage("*Shard*DatasetShard.Whole*");
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool).</summary>
    internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly Lock _gate = new();

        public void Report(T value)
        {
            lock (_gate)
                report(value);
        }
    }
}
