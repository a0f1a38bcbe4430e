using I3D.Net.Data;
using I3D.Net.Data.Transforms;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Runtime;
using I3D.Net.Tests.Data;
using I3D.Net.Tests.Inference;

namespace I3D.Net.Tests.Sharding;

/// <summary>Issue 17: <see cref="DatasetOutputCheck"/> finds complete, partial and missing flow and features per item.</summary>
public sealed class DatasetOutputCheckTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public async Task Flow_of_one_shard_is_complete_the_rest_missing_and_damaged_folders_are_partial_with_the_reason()
    {
        var data = _tmp.File("data");
        var videos = ShardTestData.Dataset(data, 6);
        var flow = _tmp.File("flow");
        var first = await FlowShardingTests.Farneback(DatasetShard.Parse("1/2")).ExtractDatasetAsync(data, flow);
        var mine = first.Extracted.Select(v => DatasetShard.Normalize(Path.GetRelativePath(data, v))).ToHashSet();
        mine.Should().HaveCountGreaterThanOrEqualTo(2, "the test damages two folders of shard 1/2");

        var report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = flow });

        report.Items.Select(i => i.RelativePath).Should().Equal(videos.Select(v => Path.GetRelativePath(data, v)).Order(StringComparer.Ordinal));
        report.Items.Should().OnlyContain(i => i.Flow == (mine.Contains(i.RelativePath) ? OutputState.Complete : OutputState.Missing));
        report.Flow.Should().Be(new OutputCounts(Path.GetFullPath(flow), mine.Count, 0, 6 - mine.Count));
        report.Features.Should().BeNull();
        report.IsComplete.Should().BeFalse();
        report.Classes.Select(c => (c.Name, c.Items)).Should().Equal(("jump", 2), ("run", 2), ("walk", 2));
        report.Classes.Sum(c => c.FlowComplete).Should().Be(mine.Count);
        report.Items.Should().OnlyContain(i => i.Shard == 1, "without a shard count every item is in 1/1");
        var labelled = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = flow, ShardCount = 2 });
        labelled.Items.Where(i => i.Flow == OutputState.Missing).Should().NotBeEmpty().And.OnlyContain(i => i.Shard == 2, "shard 2/2 has not run");
        labelled.Items.Where(i => i.Flow == OutputState.Complete).Should().OnlyContain(i => i.Shard == 1);
        var mismatch = () => DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { Shard = DatasetShard.Parse("1/3"), ShardCount = 2 });
        await mismatch.Should().ThrowAsync<ArgumentException>().WithMessage("*ShardCount (2)*Shard (1/3)*");

        // A kill before the marker, and a marker whose folder lost an image.
        var (a, b) = (mine.Order().First(), mine.Order().Skip(1).First());
        var folderA = Path.Combine(flow, Path.ChangeExtension(a, null));
        var folderB = Path.Combine(flow, Path.ChangeExtension(b, null));
        File.Delete(Path.Combine(folderA, FlowExtractor.DoneMarker));
        File.Delete(Path.Combine(folderB, FlowExtractor.ImageName('y', 2)));
        report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = flow });
        report.Items.Single(i => i.RelativePath == a).Should().Match<DatasetItemStatus>(i => i.Flow == OutputState.Partial && i.FlowDetail!.Contains("no .done marker"));
        report.Items.Single(i => i.RelativePath == b).FlowDetail.Should().Be("the marker says 4 frame pairs; the folder holds 4 x and 3 y images");
        report.PartialItems.Select(i => i.RelativePath).Should().BeEquivalentTo(a, b);
        report.Flow!.Partial.Should().Be(2);

        // The whole dataset extracted: the rerun redoes the two partial folders and the check is clean.
        (await FlowShardingTests.Farneback().ExtractDatasetAsync(data, flow)).Extracted.Should().HaveCount(6 - mine.Count + 2);
        report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = flow });
        report.IsComplete.Should().BeTrue();
        report.Flow.Should().Be(new OutputCounts(Path.GetFullPath(flow), 6, 0, 0));
        report.FlowOrphans.Should().BeEmpty();

        // A video removed from the dataset leaves an orphan folder, reported by path.
        var removed = videos[^1];
        File.Move(removed, _tmp.File("removed.avi"));
        report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = flow });
        report.FlowOrphans.Should().Equal(DatasetShard.Normalize(Path.ChangeExtension(Path.GetRelativePath(data, removed), null)));
        (report.Items.Count, report.IsComplete).Should().Be((5, true));
        File.Move(_tmp.File("removed.avi"), removed);

        File.WriteAllBytes(Path.Combine(folderA, $".{FlowExtractor.ImageName('x', 1)}.{Guid.NewGuid():N}.tmp"), [1]);
        report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FlowRoot = flow, Shard = new DatasetShard(DatasetShard.IndexOf(a, 3), 3) });
        report.Items.Should().OnlyContain(i => i.Shard == report.Shard.Index);
        (report.Items.Count + report.InOtherShards).Should().Be(6);
        report.Items.Single(i => i.RelativePath == a).FlowDetail.Should().Be("1 temporary files left by a killed run");
    }

    [Fact]
    public async Task Features_are_complete_missing_or_partial_by_their_file_and_its_temporary_sibling()
    {
        var data = _tmp.File("data");
        ShardTestData.Dataset(data, 4, frames: 8);
        var features = _tmp.File("features");
        var options = new FeatureExtractionOptions
        {
            Frames = 8,
            FramesPerSecond = null,
            Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 },
            Device = ComputeDevice.Cpu,
            Format = FeatureFileFormat.SafeTensors,
            Shard = DatasetShard.Parse("2/2"),
        };
        using var model = InferenceTestData.RgbModel(seed: 21);
        var done = await new FeatureExtractor(model, options).ExtractDatasetAsync(data, features);
        var mine = done.Extracted.Select(v => DatasetShard.Normalize(Path.GetRelativePath(data, v))).ToHashSet();
        var other = Directory.EnumerateFiles(data, "*.avi", SearchOption.AllDirectories).Select(v => DatasetShard.Normalize(Path.GetRelativePath(data, v)))
            .First(v => !mine.Contains(v));
        Directory.CreateDirectory(Path.Combine(features, Path.GetDirectoryName(other)!));
        File.WriteAllBytes(Path.Combine(features, Path.GetDirectoryName(other)!, $".{Path.GetFileNameWithoutExtension(other)}.safetensors.{Guid.NewGuid():N}.tmp"), [0]);

        var report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FeaturesRoot = features });

        report.Items.Where(i => mine.Contains(i.RelativePath)).Should().OnlyContain(i => i.Features == OutputState.Complete);
        report.Items.Single(i => i.RelativePath == other).Features.Should().Be(OutputState.Partial);
        report.Features.Should().Be(new OutputCounts(Path.GetFullPath(features), mine.Count, 1, 4 - mine.Count - 1));
        report.Classes.Sum(c => c.FeaturesComplete).Should().Be(mine.Count);
        report.Flow.Should().BeNull();
        report.MissingItems.Should().HaveCount(4 - mine.Count - 1);
        report.FeaturesOrphans.Should().BeEmpty();
        Directory.CreateDirectory(Path.Combine(features, "walk"));
        File.WriteAllBytes(Path.Combine(features, "walk", "gone.safetensors"), [0]);
        (await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { FeaturesRoot = features })).FeaturesOrphans.Should().Equal("walk/gone.safetensors");
    }

    [Fact]
    public async Task Decoding_reports_an_unreadable_video_by_name_and_class()
    {
        var data = _tmp.File("data");
        ShardTestData.Dataset(data, 3, frames: 4);
        Directory.CreateDirectory(Path.Combine(data, "walk"));
        File.WriteAllText(Path.Combine(data, "walk", "broken.avi"), "not a video");

        var quick = await DatasetOutputCheck.RunAsync(data);
        quick.Items.Should().HaveCount(4);
        quick.VideosDecoded.Should().BeFalse();
        quick.IsComplete.Should().BeTrue("nothing but the listing was checked");

        var report = await DatasetOutputCheck.RunAsync(data, new DatasetOutputCheckOptions { DecodeVideos = true });
        report.UnreadableItems.Should().ContainSingle().Which.RelativePath.Should().Be("walk/broken.avi");
        report.Classes.Single(c => c.Name == "walk").Should().Be(new DatasetClassStatus("walk", 2, 0, 0, 1));
        report.IsComplete.Should().BeFalse();

        var act = () => DatasetOutputCheck.RunAsync(_tmp.File("nowhere"));
        await act.Should().ThrowAsync<DirectoryNotFoundException>().WithMessage("*nowhere*");
    }
}
