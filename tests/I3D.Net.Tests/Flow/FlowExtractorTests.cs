using I3D.Net.Flow;
using OpenCvSharp;
using static TorchSharp.torch;
using FarnebackOpticalFlow = I3D.Net.Flow.FarnebackOpticalFlow;

namespace I3D.Net.Tests.Flow;

public sealed class FlowExtractorTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "i3d-flow-" + Guid.NewGuid().ToString("N"));

    public FlowExtractorTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Writes an MJPEG AVI of a smooth texture moving <paramref name="dx"/> px right per frame.</summary>
    private string WriteVideo(string name, int frames, int dx = 2, int width = 64, int height = 48)
    {
        var path = Path.Combine(_root, "videos", name + ".avi");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new VideoWriter(path, FourCC.MJPG, 10, new OpenCvSharp.Size(width, height), isColor: true);
        writer.IsOpened().Should().BeTrue("OpenCV's built-in MJPEG/AVI writer is available");
        for (int f = 0; f < frames; f++)
        {
            using var scope = NewDisposeScope();
            var (texture, _) = FlowTestData.TranslatedTexture(height, width, 0, 0, seed: 11, waves: 16);
            var shifted = FlowTestData.TranslatedTexture(height, width, dx * f, 0, seed: 11, waves: 16).Next;
            var bytes = (f == 0 ? texture : shifted).round().to(ScalarType.Byte).data<byte>().ToArray();
            using var gray = Mat.FromPixelData(height, width, MatType.CV_8UC1, bytes);
            using var color = new Mat();
            Cv2.CvtColor(gray, color, ColorConversionCodes.GRAY2BGR);
            writer.Write(color);
        }
        return path;
    }

    [Fact]
    public async Task Writes_quantised_x_and_y_jpegs_per_frame_pair_and_a_done_marker()
    {
        var video = WriteVideo("walk", frames: 6);
        var output = Path.Combine(_root, "flow");
        var extractor = new FlowExtractor(new FarnebackOpticalFlow(), new FlowExtractionOptions { BatchSize = 2 });

        var summary = await extractor.ExtractAsync(new[] { video }, output);

        summary.Extracted.Should().Equal(video);
        var folder = Path.Combine(output, "walk");
        Directory.EnumerateFiles(folder, "*.jpg").Select(Path.GetFileName).Should().BeEquivalentTo(
            Enumerable.Range(1, 5).SelectMany(i => new[] { $"flow_x_{i:D5}.jpg", $"flow_y_{i:D5}.jpg" }));
        File.Exists(Path.Combine(folder, FlowExtractor.DoneMarker)).Should().BeTrue();
        Directory.EnumerateFiles(folder, "*.tmp", SearchOption.AllDirectories).Should().BeEmpty();
        for (int i = 1; i <= 5; i++)
        {
            using var x = Cv2.ImRead(Path.Combine(folder, $"flow_x_{i:D5}.jpg"), ImreadModes.Unchanged);
            using var y = Cv2.ImRead(Path.Combine(folder, $"flow_y_{i:D5}.jpg"), ImreadModes.Unchanged);
            x.Channels().Should().Be(1);
            x.Size().Should().Be(new OpenCvSharp.Size(64, 48));
            // Interior mean: +2 px in x ↦ (2 + 20) / 40 · 255 ≈ 140.3; 0 px in y ↦ 127.5.
            using var xInterior = new Mat(x, new Rect(12, 12, 40, 24));
            using var yInterior = new Mat(y, new Rect(12, 12, 40, 24));
            Cv2.Mean(xInterior).Val0.Should().BeApproximately(140.3, 3.5, $"pair {i} moves 2 px right");
            Cv2.Mean(yInterior).Val0.Should().BeApproximately(127.5, 3.5, $"pair {i} does not move vertically");
        }
    }

    [Fact]
    public async Task Output_is_read_back_by_the_data_pipelines_flow_folder_reader()
    {
        var video = WriteVideo("roundtrip", frames: 4);
        var output = Path.Combine(_root, "flow");
        await new FlowExtractor(new FarnebackOpticalFlow()).ExtractAsync(new[] { video }, output);
        var folder = Path.Combine(output, "roundtrip");

        using var reader = new I3D.Net.Data.Video.FlowFolderReader(folder);
        using var frames = reader.ReadFrames(new[] { 0, 1, 2 });                      // uint8 [T, H, W, 2] (x, y)

        reader.Info.FrameCount.Should().Be(3, "the .done marker is not an image");
        frames.shape.Should().Equal(3, 48, 64, 2);
        for (int i = 0; i < 3; i++)
        {
            using var x = Cv2.ImRead(Path.Combine(folder, FlowExtractor.ImageName('x', i + 1)), ImreadModes.Grayscale);
            using var y = Cv2.ImRead(Path.Combine(folder, FlowExtractor.ImageName('y', i + 1)), ImreadModes.Grayscale);
            x.GetArray(out byte[] xBytes);
            y.GetArray(out byte[] yBytes);
            using var scope = NewDisposeScope();
            frames[i, .., .., 0].flatten().data<byte>().ToArray().Should().Equal(xBytes);
            frames[i, .., .., 1].flatten().data<byte>().ToArray().Should().Equal(yBytes);
        }
    }

    [Fact]
    public async Task Skips_finished_videos_redoes_unfinished_ones_and_reports_progress_in_parallel()
    {
        var videos = new[] { WriteVideo("a", 3), WriteVideo("b", 4), WriteVideo("c", 3) };
        var output = Path.Combine(_root, "flow");
        var extractor = new FlowExtractor(new FarnebackOpticalFlow(), new FlowExtractionOptions { MaxDegreeOfParallelism = 2 });
        var first = await extractor.ExtractAsync(videos, output);
        first.Extracted.Should().HaveCount(3);
        var doneB = Path.Combine(output, "b", FlowExtractor.DoneMarker);
        var stampB = File.GetLastWriteTimeUtc(doneB);
        File.Delete(Path.Combine(output, "c", FlowExtractor.DoneMarker));      // as if interrupted while writing c
        File.WriteAllBytes(Path.Combine(output, "c", "flow_x_00009.jpg"), new byte[] { 1 });   // stale leftover
        var reports = new List<FlowExtractionProgress>();

        var second = await extractor.ExtractAsync(videos, output, new SynchronousProgress<FlowExtractionProgress>(reports.Add));

        second.Skipped.Should().BeEquivalentTo(new[] { videos[0], videos[1] });
        second.Extracted.Should().Equal(videos[2]);
        File.GetLastWriteTimeUtc(doneB).Should().Be(stampB);
        File.Exists(Path.Combine(output, "c", "flow_x_00009.jpg")).Should().BeFalse("an unfinished folder is redone from scratch");
        Directory.EnumerateFiles(Path.Combine(output, "c"), "flow_x_*.jpg").Should().HaveCount(2);
        reports.Should().HaveCount(3);
        reports.Select(r => r.VideosCompleted).Should().BeEquivalentTo(new[] { 1, 2, 3 });
        var b = reports.Single(r => r.VideoPath == videos[1]);
        b.Should().Be(new FlowExtractionProgress(videos[1], FlowVideoStatus.Skipped, 3, b.VideosCompleted, 3) { Folder = Path.Combine(output, "b"), Timing = b.Timing });
        reports.Select(r => (r.Timing.Done, r.Timing.Total)).Should().BeEquivalentTo(new[] { (1L, 3L), (2L, 3L), (3L, 3L) });
        reports.Single(r => r.VideosCompleted == 3).Timing.Remaining.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public async Task Computes_TV_L1_flow_on_a_device_in_batches()
    {
        var video = WriteVideo("tvl1", frames: 4, dx: 1);
        var output = Path.Combine(_root, "flow");
        var tvl1 = new TvL1OpticalFlow(new TvL1OpticalFlowOptions { ScalesNumber = 3, Warps = 2 });
        var extractor = new FlowExtractor(tvl1, new FlowExtractionOptions { BatchSize = 3, Device = CPU });

        var summary = await extractor.ExtractAsync(new[] { video }, output);

        summary.Extracted.Should().HaveCount(1);
        using var x = Cv2.ImRead(Path.Combine(output, "tvl1", "flow_x_00003.jpg"), ImreadModes.Grayscale);
        using var interior = new Mat(x, new Rect(12, 12, 40, 24));
        Cv2.Mean(interior).Val0.Should().BeApproximately(133.9, 3.5, "+1 px ↦ 21 / 40 · 255");
    }

    [Fact]
    public async Task Records_unreadable_videos_as_failed_and_continues()
    {
        var good = WriteVideo("good", 3);
        var bad = Path.Combine(_root, "videos", "bad.avi");
        await File.WriteAllTextAsync(bad, "not a video");
        var output = Path.Combine(_root, "flow");
        var reports = new List<FlowExtractionProgress>();

        var summary = await new FlowExtractor(new FarnebackOpticalFlow())
            .ExtractAsync(new[] { bad, good }, output, new SynchronousProgress<FlowExtractionProgress>(reports.Add));

        summary.Extracted.Should().Equal(good);
        summary.Failed.Should().ContainKey(bad).WhoseValue.Should().Contain("bad.avi");
        File.Exists(Path.Combine(output, "bad", FlowExtractor.DoneMarker)).Should().BeFalse();
        reports.Single(r => r.VideoPath == bad).Status.Should().Be(FlowVideoStatus.Failed);
    }

    [Fact]
    public async Task Rejects_missing_files_clashing_names_and_honours_cancellation()
    {
        var extractor = new FlowExtractor(new FarnebackOpticalFlow());
        var output = Path.Combine(_root, "flow");
        await FluentActions.Awaiting(() => extractor.ExtractAsync(new[] { Path.Combine(_root, "missing.avi") }, output))
            .Should().ThrowAsync<FileNotFoundException>().WithMessage("*missing.avi*");

        var a = WriteVideo("same", 3);
        var b = Path.ChangeExtension(a, ".mp4");
        File.Copy(a, b);
        await FluentActions.Awaiting(() => extractor.ExtractAsync(new[] { a, b }, output))
            .Should().ThrowAsync<ArgumentException>().WithMessage($"*same.avi*same.mp4*share the flow folder '{Path.Combine(output, "same")}'*");
        Directory.Exists(output).Should().BeFalse("nothing is written before the clash is found");

        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await FluentActions.Awaiting(() => extractor.ExtractAsync(new[] { a }, output, cancellationToken: cancelled.Token))
            .Should().ThrowAsync<OperationCanceledException>();
        File.Exists(Path.Combine(output, "same", FlowExtractor.DoneMarker)).Should().BeFalse();

        FluentActions.Invoking(() => new FlowExtractor(new FarnebackOpticalFlow(), new FlowExtractionOptions { BatchSize = 0 }))
            .Should().Throw<ArgumentException>().Which.ParamName.Should().Be("BatchSize");
    }

    /// <summary>Reports inline (Progress&lt;T&gt; posts to the thread pool, which would race the assertions).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly object _gate = new();

        public void Report(T value)
        {
            lock (_gate)
                report(value);
        }
    }
}
