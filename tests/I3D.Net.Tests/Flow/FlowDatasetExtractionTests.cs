using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.Tests.Data;
using OpenCvSharp;
using static TorchSharp.torch;
using FarnebackOpticalFlow = I3D.Net.Flow.FarnebackOpticalFlow;

namespace I3D.Net.Tests.Flow;

/// <summary>Whole-dataset extraction (issue 13 §4): mirrored tree, flow.json, hostile names, resampling, progress.</summary>
public sealed class FlowDatasetExtractionTests : IDisposable
{
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static FlowExtractor Farneback(FlowExtractionOptions? options = null) =>
        new(new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 1, Iterations = 1 }), options);

    private string Video(string relative, int frames = 5, double fps = 25)
    {
        var path = _tmp.File(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        DataTestFiles.TryWriteColorVideo(path, "MJPG", frames, fps: fps).Should().BeTrue();
        return path;
    }

    private Dictionary<string, DateTime> FilesOutside(string folder) =>
        Directory.EnumerateFiles(_tmp.Path, "*", SearchOption.AllDirectories)
            .Where(f => !f.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToDictionary(f => f, File.GetLastWriteTimeUtc);

    [Fact]
    public async Task Mirrors_the_dataset_tree_so_clip0_of_every_class_gets_its_own_folder_with_flow_json()
    {
        Video("data/train/walk/clip0.avi", fps: 30);
        Video("data/train/run/clip0.avi", frames: 6, fps: 24);
        Video("data/val/walk/clip0.avi");
        File.WriteAllText(_tmp.File("data/train/walk/notes.txt"), "not a video");
        var output = _tmp.File("flow");
        var reports = new List<FlowExtractionProgress>();

        var summary = await Farneback().ExtractDatasetAsync(_tmp.File("data"), output, new InlineProgress<FlowExtractionProgress>(reports.Add));

        summary.Extracted.Should().HaveCount(3);
        Directory.EnumerateFiles(output, FlowExtractor.DoneMarker, SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, Path.GetDirectoryName(f)!))
            .Should().BeEquivalentTo(Path.Combine("train", "walk", "clip0"), Path.Combine("train", "run", "clip0"), Path.Combine("val", "walk", "clip0"));
        var run = FlowSettings.TryLoad(Path.Combine(output, "train", "run", "clip0"))!;
        (run.Method, run.SourceFps, run.Fps, run.FramePairs, run.Bound, run.JpegQuality).Should().Be((FlowMethod.Farneback, 24.0, 24.0, 5, 20.0, 95));
        run.Farneback!.Levels.Should().Be(1);
        FlowSettings.TryLoad(Path.Combine(output, "train", "walk", "clip0"))!.SourceFps.Should().Be(30);
        using (var reader = new FlowFolderReader(Path.Combine(output, "train", "walk", "clip0")))
            (reader.Info.Fps, reader.Info.FrameCount, reader.Settings!.FramePairs).Should().Be((30.0, 4, 4), "the reader takes the rate from flow.json");
        reports.Select(r => r.Folder).Should().OnlyContain(f => f!.StartsWith(output));
        reports.Select(r => r.Timing.Done).Should().BeEquivalentTo(new long[] { 1, 2, 3 });
        reports.Where(r => r.Timing.Done < 3).Should().OnlyContain(r => r.Timing.Remaining != null && r.Timing.Elapsed > TimeSpan.Zero);
        reports.Single(r => r.Timing.Done == 3).Timing.Remaining.Should().Be(TimeSpan.Zero);

        // A second run skips everything, but other settings recompute.
        (await Farneback().ExtractDatasetAsync(_tmp.File("data"), output)).Skipped.Should().HaveCount(3);
        var other = await new FlowExtractor(new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 2, Iterations = 1 }))
            .ExtractDatasetAsync(_tmp.File("data"), output);
        other.Extracted.Should().HaveCount(3, "flow made with other Farneback levels is not interchangeable");
        FlowSettings.TryLoad(Path.Combine(output, "val", "walk", "clip0"))!.Farneback!.Levels.Should().Be(2);
    }

    [Theory]
    [InlineData("...avi")]    // the name without extension is "..": the parent of the output folder
    [InlineData("..avi")]     // "."
    [InlineData(".avi")]      // ""
    [InlineData(" .avi")]     // " "
    public async Task A_video_whose_name_gives_no_folder_fails_alone_and_nothing_outside_the_output_is_touched(string hostile)
    {
        var output = _tmp.File("data/flow");
        Directory.CreateDirectory(output);
        // JPEGs named like flow images beside the output folder and inside it: the old extractor deleted the former.
        File.WriteAllText(_tmp.File("data/flow_x_00001.jpg"), "keep me");
        File.WriteAllText(Path.Combine(output, "flow_x_00001.jpg"), "keep me too");
        var bad = Video($"data/videos/{hostile}");
        var good = Video("data/videos/good.avi");
        Video("data/videos/a..avi");   // "a." is a fine folder name
        var before = FilesOutside(output);

        var summary = await Farneback().ExtractAsync([bad, good, _tmp.File("data/videos/a..avi")], output);

        summary.Failed.Should().ContainSingle().Which.Key.Should().Be(bad);
        summary.Failed[bad].Should().Contain(hostile).And.Contain("no usable name");
        summary.Extracted.Should().HaveCount(2);
        File.Exists(Path.Combine(output, "good", FlowExtractor.DoneMarker)).Should().BeTrue();
        File.Exists(Path.Combine(output, "a.", FlowExtractor.DoneMarker)).Should().BeTrue();
        FilesOutside(output).Should().Equal(before, "nothing outside the output folder is written or deleted");
        File.ReadAllText(Path.Combine(output, "flow_x_00001.jpg")).Should().Be("keep me too", "the output root is no video's folder");
    }

    [Fact]
    public async Task A_hostile_name_in_a_dataset_tree_and_a_symlinked_class_folder_cannot_reach_outside_the_output()
    {
        Video("data/walk/...avi");
        Video("data/walk/ok.avi");
        var output = _tmp.File("flow");
        var elsewhere = _tmp.File("elsewhere");
        Directory.CreateDirectory(elsewhere);
        File.WriteAllText(Path.Combine(elsewhere, "flow_x_00001.jpg"), "keep me");
        Directory.CreateDirectory(output);
        Directory.CreateSymbolicLink(Path.Combine(output, "walk"), elsewhere);
        var before = FilesOutside(output);

        var summary = await Farneback().ExtractDatasetAsync(_tmp.File("data"), output);

        summary.Extracted.Should().BeEmpty();
        summary.Failed.Keys.Select(Path.GetFileName).Should().BeEquivalentTo("...avi", "ok.avi");
        summary.Failed[_tmp.File("data/walk/ok.avi")].Should().Contain("symbolic link");
        FilesOutside(output).Should().Equal(before);
        Directory.EnumerateFileSystemEntries(elsewhere).Should().ContainSingle();
    }

    [Fact]
    public async Task Resamples_to_TargetFps_before_computing_flow_and_records_both_rates()
    {
        var video = Video("v/clip.avi", frames: 12, fps: 30);
        var output = _tmp.File("flow");

        await Farneback(new FlowExtractionOptions { TargetFps = 15, BatchSize = 2 }).ExtractAsync([video], output);

        var settings = FlowSettings.TryLoad(Path.Combine(output, "clip"))!;
        (settings.SourceFps, settings.Fps, settings.FramePairs).Should().Be((30.0, 15.0, 5), "12 frames at 30 fps are 6 at 15 fps");
        Directory.EnumerateFiles(Path.Combine(output, "clip"), "flow_x_*.jpg").Should().HaveCount(5);
    }

    [Fact]
    public async Task Upsampling_repeats_frames_without_reading_backwards_and_repeated_frames_have_zero_flow()
    {
        // 8 frames at 10 fps shown at 25 fps: each source frame repeats 2-3 times, across batch boundaries too.
        var video = Video("v/slow.avi", frames: 8, fps: 10);
        var output = _tmp.File("flow");

        await Farneback(new FlowExtractionOptions { TargetFps = 25, BatchSize = 3 }).ExtractAsync([video], output);

        var source = Enumerable.Range(0, 20).Select(j => FrameRateResampler.SourceIndex(j, 8, 10, 25)).ToArray();
        FlowSettings.TryLoad(Path.Combine(output, "slow"))!.FramePairs.Should().Be(19);
        using var reader = new FlowFolderReader(Path.Combine(output, "slow"));
        using var flow = reader.ReadFrames(Enumerable.Range(0, 19).ToArray()).to_type(ScalarType.Float32);
        var spread = flow.amax([1, 2, 3]).sub(flow.amin([1, 2, 3])).data<float>().ToArray();
        for (var i = 0; i < 19; i++)
        {
            if (source[i] == source[i + 1])
                spread[i].Should().Be(0, $"pair {i} joins two copies of source frame {source[i]}");
        }
    }

    [Fact]
    public async Task In_memory_flow_from_FlowPreprocessing_equals_what_the_loader_reads_from_the_extracted_folder()
    {
        var video = Video("v/move.avi", frames: 6);
        var output = _tmp.File("flow");
        var options = new FlowExtractionOptions { FrameSize = (40, 30), BatchSize = 2, JpegQuality = 80 };
        var extractor = new FlowExtractor(new FarnebackOpticalFlow(), options);
        await extractor.ExtractAsync([video], output);
        var settings = FlowSettings.TryLoad(Path.Combine(output, "move"))!;
        settings.Should().Match<FlowSettings>(s => s.FrameWidth == 40 && s.FrameHeight == 30 && s.JpegQuality == 80);

        using var scope = NewDisposeScope();
        using var reader = VideoReader.Open(video);
        var rgb = reader.ReadFrames(Enumerable.Range(0, 6).ToArray());
        var inMemory = FlowPreprocessing.Compute(settings.CreateMethod(), rgb, settings, batchSize: 4);
        using var stored = new FlowFolderReader(Path.Combine(output, "move"));
        var fromDisk = FlowQuantization.Dequantize(stored.ReadFrames(Enumerable.Range(0, 5).ToArray()).permute(0, 3, 1, 2), settings.Bound);

        inMemory.shape.Should().Equal(5, 2, 30, 40);
        inMemory.allclose(fromDisk, rtol: 0, atol: 1e-5).Should().BeTrue("the same grayscale, resize, quantisation and JPEG round trip");
        FluentActions.Invoking(() => FlowPreprocessing.Grayscale(rgb.to_type(ScalarType.Float32))).Should().Throw<ArgumentException>().WithMessage("*uint8 RGB*");
    }

    [Fact]
    public async Task Reads_AV1_videos_through_the_librarys_VideoReader_and_its_ffmpeg_fallback()
    {
        Assert.SkipUnless(DataTestFiles.FfmpegAvailable, "ffmpeg/ffprobe are not installed (apt-get install ffmpeg).");
        var source = Video("src/colors.avi", frames: 6, fps: 30);
        var av1 = _tmp.File("data/walk/clip0.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(av1)!);
        Assert.SkipUnless(DataTestFiles.TryFfmpegEncode(source, av1, "-c:v", "libaom-av1", "-cpu-used", "8", "-pix_fmt", "yuv420p") ||
                   DataTestFiles.TryFfmpegEncode(source, av1, "-c:v", "libsvtav1", "-pix_fmt", "yuv420p"), "ffmpeg has no AV1 encoder.");

        var summary = await Farneback().ExtractDatasetAsync(_tmp.File("data"), _tmp.File("flow"));

        summary.Failed.Should().BeEmpty();
        var settings = FlowSettings.TryLoad(_tmp.File("flow/walk/clip0"))!;
        (settings.SourceFps, settings.FramePairs).Should().Be((30.0, 5));
    }

    [Fact]
    public void FlowLayout_mirrors_relative_paths_and_refuses_videos_outside_the_root()
    {
        var root = _tmp.File("data");
        FlowLayout.RelativeFolder(root, _tmp.File("data/train/walk/clip0.mp4")).Should().Be(Path.Combine("train", "walk", "clip0"));
        FlowLayout.FolderFor(_tmp.File("flow"), root, _tmp.File("data/walk/a.b.mp4")).Should().Be(_tmp.File("flow/walk/a.b"));
        FluentActions.Invoking(() => FlowLayout.RelativeFolder(root, _tmp.File("other/clip0.mp4"))).Should().Throw<ArgumentException>().WithMessage("*not inside*");
        FluentActions.Invoking(() => FlowLayout.RelativeFolder(root, _tmp.File("data/walk/...mp4"))).Should().Throw<ArgumentException>().WithMessage("*'..'*");
        FlowLayout.Find(_tmp.File("flow"), _tmp.File("data/walk/clip0.mp4")).Should().BeNull();
        Directory.CreateDirectory(_tmp.File("flow/clip0"));
        FlowLayout.Find(_tmp.File("flow"), _tmp.File("data/walk/clip0.mp4")).Should().Be(_tmp.File("flow/clip0"), "a flat folder is found too");
        Directory.CreateDirectory(_tmp.File("flow/walk/clip0"));
        FlowLayout.Find(_tmp.File("flow"), _tmp.File("data/walk/clip0.mp4")).Should().Be(_tmp.File("flow/walk/clip0"), "the longest match wins");
    }

    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly object _gate = new();

        public void Report(T value)
        {
            lock (_gate)
                report(value);
        }
    }
}
