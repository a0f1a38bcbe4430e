using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Synthetic;
using Microsoft.Extensions.Logging;

namespace I3D.Net.Tests.Data.Loading;

/// <summary>Issue 13 §5: an empty class folder is warned about, with per-class counts (logger and DatasetCheck report).</summary>
public class EmptyClassTests
{
    [Fact]
    public void An_empty_class_folder_is_logged_with_the_items_per_class()
    {
        using var tmp = new TempFolder();
        foreach (var f in new[] { "run/1.mp4", "run/2.mp4", "walk/1.mp4" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(tmp.File(f))!);
            File.WriteAllText(tmp.File(f), "");
        }
        Directory.CreateDirectory(tmp.File("jump"));
        var logger = new ListLogger<VideoClipLoader>();
        var set = FolderPerClassAnnotations.Load(tmp.Path, logger: logger);
        set.Classes.Names.Should().Equal("jump", "run", "walk");
        set.ClassCounts().Should().Equal(0, 2, 1);
        logger.Entries.Should().ContainSingle().Which.Should().Be((LogLevel.Warning,
            $"Class folder '{tmp.File("jump")}' holds no videos, so class 'jump' has no items; items per class: jump 0, run 2, walk 1"));
    }

    [Fact]
    public async Task DatasetCheck_counts_readable_items_per_class_and_warns_about_a_class_without_any()
    {
        using var tmp = new TempFolder();
        var generated = SyntheticActionDataset.Generate(tmp.File("set"), new SyntheticDatasetOptions
        {
            Actions = [SyntheticAction.MoveLeft, SyntheticAction.MoveRight],
            VideosPerClass = 2,
            FrameCount = 4,
            ValidationFraction = 0,
            TestFraction = 0,
            Seed = 3,
        });
        var broken = tmp.File("broken.mp4");
        File.WriteAllText(broken, "not a video");
        var classes = new ClassMap([.. generated.Train.Classes.Names, "wave"]);
        var dataset = new VideoAnnotations(classes, [.. generated.Train.Items, new LabeledVideo(broken, 2)]);
        var logger = new ListLogger<VideoClipLoader>();
        var report = await DatasetCheck.RunAsync(dataset, workers: 1, logger: logger);
        report.Classes.Select(c => (c.Name, c.Items, c.Readable)).Should().Equal(
            (classes[0], 2, 2), (classes[1], 2, 2), ("wave", 1, 0));
        report.EmptyClasses.Should().ContainSingle().Which.Name.Should().Be("wave");
        report.ToString().Should().Contain("1 of 3 classes have no readable item: 'wave'")
            .And.Contain($"Readable items per class: {classes[0]} 2, {classes[1]} 2, wave 0 of 1");
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.StartsWith("Dataset check: class 'wave' has no readable item (1 annotated)"));

        var loaderLogger = new ListLogger<VideoClipLoader>();
        _ = new VideoClipLoader(new VideoAnnotations(classes, generated.Train.Items), ClipLoaderOptions.Evaluation with { BatchSize = 1, ClipLength = 4 }, loaderLogger);
        loaderLogger.Entries.Should().ContainSingle(e => e.Level == LogLevel.Warning)
            .Which.Message.Should().Be($"1 of 3 classes have no items in the loader's dataset ('wave'); items per class: {classes[0]} 2, {classes[1]} 2, wave 0");
    }
}
