using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using OpenCvSharp;
using static TorchSharp.torch;
using FarnebackOpticalFlow = I3D.Net.Flow.FarnebackOpticalFlow;

namespace I3D.Net.Tests.Data.Loading;

/// <summary>
/// RGB frames and flow pairs of every sampled clip come from the same moments, whatever the video's frame rate
/// (issue 13 §3): videos at 24, 25 and 30 fps, flow made by <see cref="FlowExtractor"/> into a mirrored class-folder
/// tree, found with <c>WithFlowRoot</c>, read through <see cref="VideoClipReader"/>. The flow images are then replaced
/// by flat images that encode their pair index, so the test also sees which pairs were really decoded.
/// </summary>
public sealed class FlowAlignmentTests
{
    private const int Frames = 32;   // DataTestFiles' colours stay distinct up to ~33 frames

    private static readonly ClipTransformOptions NoGeometry = new() { ShortSide = null, CropSize = null, FlipProbability = 0 };

    /// <summary>A class-folder dataset (two classes, both with a clip0) at <paramref name="fps"/>, flow extracted into a mirrored tree.</summary>
    private static async Task<(VideoAnnotations Dataset, string FlowRoot)> DatasetAsync(TempFolder tmp, double fps, FlowExtractionOptions? options = null)
    {
        var root = tmp.File("data");
        foreach (var label in new[] { "run", "walk" })
        {
            Directory.CreateDirectory(Path.Combine(root, "train", label));
            DataTestFiles.TryWriteColorVideo(Path.Combine(root, "train", label, "clip0.avi"), "MJPG", Frames, fps: fps).Should().BeTrue();
        }
        var flowRoot = tmp.File("flow");
        var summary = await new FlowExtractor(new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 1, Iterations = 1 }), options)
            .ExtractDatasetAsync(root, flowRoot);
        summary.Failed.Should().BeEmpty();
        summary.Extracted.Should().HaveCount(2);
        return (FolderPerClassAnnotations.Load(Path.Combine(root, "train")).WithFlowRoot(flowRoot), flowRoot);
    }

    /// <summary>Overwrites pair i's x image with the flat value 10 + 3i (y: 128), keeping flow.json.</summary>
    private static void EncodePairIndices(string folder)
    {
        var pairs = Directory.EnumerateFiles(folder, "flow_x_*.jpg").Count();
        for (var i = 0; i < pairs; i++)
        {
            using var x = new Mat(48, 64, MatType.CV_8UC1, new Scalar(10 + 3 * i));
            using var y = new Mat(48, 64, MatType.CV_8UC1, new Scalar(128));
            Cv2.ImWrite(Path.Combine(folder, FlowExtractor.ImageName('x', i + 1)), x, new ImageEncodingParam(ImwriteFlags.JpegQuality, 100));
            Cv2.ImWrite(Path.Combine(folder, FlowExtractor.ImageName('y', i + 1)), y, new ImageEncodingParam(ImwriteFlags.JpegQuality, 100));
        }
    }

    /// <summary>The pair indices a flow clip [K, 2, T, H, W] in [-1, 1] shows (x = v / 127.5 − 1 with v = 10 + 3i).</summary>
    private static int[][] DecodedPairs(Tensor flow)
    {
        using var mean = flow.select(1, 0).mean([2, 3]);   // [K, T]
        var k = (int)mean.shape[0];
        var values = mean.data<float>().ToArray();
        return Enumerable.Range(0, k).Select(c => values.Skip(c * (int)mean.shape[1]).Take((int)mean.shape[1])
            .Select(v => (int)Math.Round(((v + 1) * 127.5 - 10) / 3)).ToArray()).ToArray();
    }

    private static void ShouldShowRgb(Tensor rgb, IReadOnlyList<int[]> indices)
    {
        for (var k = 0; k < indices.Count; k++)
        {
            using var frames = rgb[k].permute(1, 2, 3, 0).add(1).mul(127.5);
            DataTestFiles.ShouldShowFrames(frames, indices[k]);
        }
    }

    public static TheoryData<double, double?> Rates => new()
    {
        { 24, 25 }, { 25, 25 }, { 30, 25 }, { 30, null }, { 24, null },
    };

    [Theory]
    [MemberData(nameof(Rates))]
    public async Task Rgb_frames_and_flow_pairs_of_every_sampled_clip_line_up(double fps, double? targetFps)
    {
        using var tmp = new TempFolder();
        var (dataset, flowRoot) = await DatasetAsync(tmp, fps);
        var walk = dataset.Items.Single(i => i.Path.Contains("walk"));
        walk.FlowPath.Should().Be(Path.Combine(flowRoot, "train", "walk", "clip0"), "the flow tree mirrors the dataset tree");
        var settings = FlowSettings.TryLoad(walk.FlowPath!)!;
        (settings.SourceFps, settings.Fps, settings.FramePairs).Should().Be((fps, fps, Frames - 1));
        EncodePairIndices(walk.FlowPath!);

        var samplings = new (string Name, ClipLoaderOptions Options)[]
        {
            ("centre", ClipLoaderOptions.Evaluation with { ClipLength = 8 }),
            ("random", ClipLoaderOptions.Training with { ClipLength = 8, FrameStride = 2, Seed = 7 }),
            ("evenly spaced", ClipLoaderOptions.Evaluation with { ClipLength = 6, Sampling = ClipSamplingMode.EvenlySpaced, ClipsPerSample = 3 }),
            ("looped (clip longer than the video)", ClipLoaderOptions.Evaluation with { ClipLength = 40 }),
        };
        foreach (var (name, baseOptions) in samplings)
        {
            var reader = new VideoClipReader(baseOptions with { Modality = ClipModality.RgbAndFlow, TargetFps = targetFps, Transform = NoGeometry });
            for (var epoch = 0; epoch < 3; epoch++)
            {
                using var clips = reader.Read(walk, epoch, sampleIndex: 1);
                clips.FlowIndices.Should().NotBeNull();
                clips.FlowIndices.Should().HaveSameCount(clips.FrameIndices);
                for (var k = 0; k < clips.FrameIndices.Count; k++)
                    clips.FlowIndices![k].Should().Equal(clips.FrameIndices[k], $"{name} clip {k} at {fps} fps (target {targetFps}): flow pair i starts at RGB frame i");
                clips.FrameIndices.SelectMany(w => w).Should().OnlyContain(i => i < Frames - 1, "every RGB frame used has its flow pair");
                ShouldShowRgb(clips.Rgb!, clips.FrameIndices);
                DecodedPairs(clips.Flow!).Should().BeEquivalentTo(clips.FlowIndices, o => o.WithStrictOrdering(), $"{name}: the decoded flow images are the pairs reported");
                clips.TimelineFps.Should().Be(targetFps ?? fps);
            }
        }
    }

    [Fact]
    public async Task At_30_fps_the_centre_clip_reads_the_same_moments_for_both_streams_the_case_of_the_issue()
    {
        using var tmp = new TempFolder();
        var (dataset, _) = await DatasetAsync(tmp, 30);
        var item = dataset.Items[0];
        var reader = new VideoClipReader(ClipLoaderOptions.Evaluation with { ClipLength = 8, Modality = ClipModality.RgbAndFlow, Transform = NoGeometry });

        using var clips = reader.Read(item, 0, 0);

        // 32 frames at 30 fps = 26 frames at 25 fps (the flow's 31 pairs: 25); centre of 25: timeline 8..15.
        var expected = Enumerable.Range(8, 8).Select(j => (int)Math.Floor(j * 30 / 25.0 + 1e-9)).ToArray();
        clips.FrameIndices.Single().Should().Equal(expected);
        clips.FlowIndices!.Single().Should().Equal(expected, "before flow.json flow was read as 25 fps: pairs 8..15 against RGB frames 9..18");
    }

    [Fact]
    public async Task Flow_computed_at_the_target_rate_is_read_without_resampling_and_starts_at_the_rgb_frame()
    {
        using var tmp = new TempFolder();
        var (dataset, _) = await DatasetAsync(tmp, 30, new FlowExtractionOptions { TargetFps = 25 });
        var item = dataset.Items[0];
        var settings = FlowSettings.TryLoad(item.FlowPath!)!;
        (settings.SourceFps, settings.Fps, settings.FramePairs).Should().Be((30.0, 25.0, 25), "26 frames at 25 fps make 25 pairs");
        var reader = new VideoClipReader(ClipLoaderOptions.Training with { ClipLength = 8, Modality = ClipModality.RgbAndFlow, Transform = NoGeometry, TargetFps = 25 });

        for (var sample = 0; sample < 4; sample++)
        {
            using var clips = reader.Read(item, 0, sample);
            var rgb = clips.FrameIndices.Single();
            var flow = clips.FlowIndices!.Single();
            // Pair j joins the 25 fps frames j and j + 1, i.e. starts at source frame floor(j · 30 / 25): the RGB frame.
            flow.Select(j => FrameRateResampler.SourceIndex(j, Frames, 30, 25)).Should().Equal(rgb);
        }
    }

    [Fact]
    public async Task A_flow_folder_without_flow_json_assumes_the_videos_rate_or_25_fps_with_a_warning_or_fails_in_strict_mode()
    {
        using var tmp = new TempFolder();
        var (dataset, _) = await DatasetAsync(tmp, 30);
        var item = dataset.Items[0];
        File.Delete(Path.Combine(item.FlowPath!, FlowSettings.FileName));
        var options = ClipLoaderOptions.Evaluation with { ClipLength = 8, Modality = ClipModality.RgbAndFlow, Transform = NoGeometry };

        // Two-stream: the video is open anyway, so its rate is assumed (the layout FlowExtractor has always written).
        using (var clips = new VideoClipReader(options).Read(item, 0, 0))
            clips.FlowIndices!.Single().Should().Equal(clips.FrameIndices.Single());

        // Flow only, the video still there: its rate is read from it.
        using (var clips = new VideoClipReader(options with { Modality = ClipModality.Flow }).Read(item, 0, 0))
            clips.FlowIndices!.Single().Should().Equal(Enumerable.Range(8, 8).Select(j => (int)Math.Floor(j * 1.2 + 1e-9)));

        // Flow only, no video: FolderFps (25), once per folder, with a warning.
        var logger = new ListLogger<VideoClipReader>();
        var orphan = item with { Path = tmp.File("gone/clip0.avi") };
        var flowOnly = new VideoClipReader(options with { Modality = ClipModality.Flow }, logger);
        using (var clips = flowOnly.Read(orphan, 0, 0))
            clips.FlowIndices!.Single().Should().Equal(Enumerable.Range(11, 8), "31 pairs at 25 fps are read as they are");
        flowOnly.Read(orphan, 1, 0).Dispose();
        logger.Entries.Should().ContainSingle(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning)
            .Which.Message.Should().Contain(item.FlowPath!).And.Contain("flow.json").And.Contain("25 fps");

        var strict = new VideoClipReader(options with { RequireFlowSettings = true });
        FluentActions.Invoking(() => strict.Read(item, 0, 0)).Should().Throw<InvalidDataException>()
            .WithMessage($"*{item.FlowPath}*flow.json*RequireFlowSettings*");
    }

    [Fact]
    public async Task The_loader_reads_two_stream_batches_of_a_class_folder_dataset_found_with_WithFlowRoot()
    {
        using var tmp = new TempFolder();
        var (dataset, flowRoot) = await DatasetAsync(tmp, 24);
        dataset.Items.Select(i => Path.GetRelativePath(flowRoot, i.FlowPath!)).Should().BeEquivalentTo(
            Path.Combine("train", "run", "clip0"), Path.Combine("train", "walk", "clip0"));
        var loader = new VideoClipLoader(dataset, ClipLoaderOptions.Evaluation with
        {
            BatchSize = 2, ClipLength = 8, Modality = ClipModality.RgbAndFlow, Workers = 1,
            Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 },
        });

        await foreach (var batch in loader.ReadEpochAsync(0))
        {
            using var _ = batch;
            batch.Rgb!.shape.Should().Equal(2, 3, 8, 32, 32);
            batch.Flow!.shape.Should().Equal(2, 2, 8, 32, 32);
            batch.Labels.data<long>().ToArray().Should().BeEquivalentTo(new long[] { 0, 1 });
        }
    }

    [Fact]
    public void WithFlowRoot_names_the_missing_folders_and_where_it_looked()
    {
        using var tmp = new TempFolder();
        Directory.CreateDirectory(tmp.File("flow/walk/clip0"));
        var data = new VideoAnnotations(new ClassMap(["walk"]),
            [new LabeledVideo(tmp.File("data/walk/clip0.mp4"), 0), new LabeledVideo(tmp.File("data/walk/clip1.mp4"), 0)]);

        FluentActions.Invoking(() => data.WithFlowRoot(tmp.File("flow"))).Should().Throw<DirectoryNotFoundException>()
            .WithMessage("1 of 2 videos have no flow folder*clip1.mp4*ComputeFlow*");
        FluentActions.Invoking(() => data.WithFlowRoot(tmp.File("flow"), tmp.File("data"))).Should().Throw<DirectoryNotFoundException>()
            .WithMessage($"*expected '{tmp.File("flow/walk/clip1")}'*");
        FluentActions.Invoking(() => data.WithFlowRoot(tmp.File("nowhere"))).Should().Throw<DirectoryNotFoundException>().WithMessage("*nowhere*");
        Directory.CreateDirectory(tmp.File("flow/walk/clip1"));
        data.WithFlowRoot(tmp.File("flow")).Items.Select(i => i.FlowPath).Should().Equal(tmp.File("flow/walk/clip0"), tmp.File("flow/walk/clip1"));
    }
}
