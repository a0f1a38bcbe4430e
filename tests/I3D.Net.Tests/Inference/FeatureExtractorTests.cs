using I3D.Net.Data;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.IO;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Tests.Data;
using I3D.Net.Tests.Sharding;
using I3D.Net.Weights.SafeTensors;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

/// <summary>Issue 17: <see cref="FeatureExtractor"/> on tiny generated datasets (32×32 crops, 8-frame clips, a calibrated random I3D).</summary>
public sealed class FeatureExtractorTests : IDisposable
{
    private static readonly Lazy<InceptionI3D> Rgb = new(() => InferenceTestData.RgbModel(seed: 11));
    private static readonly Lazy<InceptionI3D> FlowModel = new(() => InferenceTestData.RgbModel(seed: 12, inChannels: 2));
    // Shared by the tests of this class, which xUnit runs one at a time.
    private readonly TempFolder _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static FeatureExtractionOptions Small(FeatureWindowing windowing = FeatureWindowing.PerVideo) => new()
    {
        Frames = 8,
        Stride = 2,
        Windowing = windowing,
        FramesPerSecond = null,
        Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 },
        Device = ComputeDevice.Cpu,
    };

    private static FeatureExtractor Extractor(FeatureExtractionOptions options, InceptionI3D? model = null, IOpticalFlow? flow = null) =>
        new(model ?? Rgb.Value, options, flow);

    [Fact]
    public async Task Writes_one_npy_per_video_mirroring_the_tree_with_the_models_1024_features_of_the_centre_clip()
    {
        var data = _tmp.File("data");
        var videos = ShardTestData.Dataset(data, 3, frames: 12);
        var output = _tmp.File("features");
        var reports = new List<FeatureExtractionProgress>();
        var summary = await Extractor(Small()).ExtractDatasetAsync(data, output, new FlowShardingTests.SyncProgress<FeatureExtractionProgress>(reports.Add));

        summary.Extracted.Should().BeEquivalentTo(videos);
        summary.Failed.Should().BeEmpty();
        reports.Select(r => (r.Status, r.Windows, r.VideosTotal)).Distinct().Should().Equal((FeatureVideoStatus.Extracted, 1, 3));
        Directory.EnumerateFiles(output, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(output, f)).Should().BeEquivalentTo(
            FeatureExtractor.SettingsFileName, Path.Combine("walk", "v000.npy"), Path.Combine("run", "v001.npy"), Path.Combine("jump", "v002.npy"));
        File.ReadAllText(Path.Combine(output, FeatureExtractor.SettingsFileName)).Should().Contain("\"endpoint\": \"Mixed_5c\"").And.Contain("\"stream\": \"rgb\"");

        // Independently: the centre 8 of 12 frames (2…9), resized and cropped to 32×32, through InceptionI3D.ExtractFeatures.
        using var scope = NewDisposeScope();
        Tensor expected;
        using (var reader = VideoReader.Open(videos[1]))
        {
            var clip = reader.ReadFrames(Enumerable.Range(2, 8).ToArray()).to_type(ScalarType.Float32).permute(3, 0, 1, 2).unsqueeze(0);
            var (rgb, _) = new ClipTransform(new ClipTransformOptions { ShortSide = 32, CropSize = 32 }).Apply(clip, null, 0, 0, 0);
                using (no_grad())
                    expected = Rgb.Value.ExtractFeatures(rgb!);
        }
        var saved = NpyFile.Load(Path.Combine(output, "run", "v001.npy"));
        saved.shape.Should().Equal(1, 1024);
        saved.dtype.Should().Be(ScalarType.Float32);
        saved.allclose(expected, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
        NpyFile.Load(Path.Combine(output, "walk", "v000.npy")).allclose(saved, atol: 1e-3).Should().BeFalse("different videos give different features");
    }

    [Fact]
    public async Task Sliding_windows_start_every_stride_and_the_centre_window_equals_the_per_video_clip()
    {
        var data = _tmp.File("data");
        var video = ShardTestData.Dataset(data, 1, frames: 12)[0];
        var output = _tmp.File("windows");
        VideoFeatures perVideo;
        {
            (await Extractor(Small(FeatureWindowing.PerWindow) with { Format = FeatureFileFormat.SafeTensors }).ExtractDatasetAsync(data, output))
                .Extracted.Should().ContainSingle();
            perVideo = Extractor(Small()).Extract(video);
        }
        using (perVideo)
        {
            var tensors = SafeTensorsFile.Load(Path.Combine(output, "walk", "v000.safetensors"), out var metadata);
            tensors["features"].shape.Should().Equal(3, 1024);   // 12 frames, 8 per window, every 2: starts 0, 2, 4
            tensors["window_starts"].data<long>().ToArray().Should().Equal(0, 2, 4);
            metadata["video"].Should().Be("walk/v000.avi");
            (metadata["windowing"], metadata["stride"], metadata["frames_per_window"], metadata["stream"]).Should().Be(("PerWindow", "2", "8", "rgb"));
            perVideo.WindowStarts.Should().Equal(2L);
            // Batched (3 windows) and alone (1) differ only by float rounding: 1e-5 of the largest value.
            var scale = perVideo.Features.abs().max().item<float>();
            tensors["features"][1].allclose(perVideo.Features[0], rtol: 0, atol: 1e-5 * scale).Should().BeTrue("window 2…9 is the centre clip");
            tensors["features"][0].allclose(perVideo.Features[0], rtol: 0, atol: 1e-2 * scale).Should().BeFalse("window 0…7 is another clip");
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    [Fact]
    public async Task Two_shards_give_the_unsharded_files_and_a_finished_shard_rerun_writes_nothing()
    {
        var data = _tmp.File("data");
        var videos = ShardTestData.Dataset(data, 6, frames: 9);
        {
            (await Extractor(Small()).ExtractDatasetAsync(data, _tmp.File("whole"))).Extracted.Should().HaveCount(6);
            var first = (await Extractor(Small() with { Shard = DatasetShard.Parse("1/2") }).ExtractDatasetAsync(data, _tmp.File("sharded")));
            var second = (await Extractor(Small() with { Shard = DatasetShard.Parse("2/2") }).ExtractDatasetAsync(data, _tmp.File("sharded")));
            first.Extracted.Concat(second.Extracted).Should().BeEquivalentTo(videos).And.OnlyHaveUniqueItems();
            (first.InOtherShards, second.InOtherShards).Should().Be((second.Extracted.Count, first.Extracted.Count));
            first.Extracted.Should().NotBeEmpty().And.OnlyContain(v => DatasetShard.IndexOf(Path.GetRelativePath(data, v), 2) == 1);
        }
        ShardTestData.Contents(_tmp.File("sharded")).Should().Equal(ShardTestData.Contents(_tmp.File("whole")));

        var before = ShardTestData.Snapshot(_tmp.File("sharded"));
        await Task.Delay(20);
        var again = (await Extractor(Small() with { Shard = new DatasetShard(2, 2) }).ExtractDatasetAsync(data, _tmp.File("sharded")));
        again.Extracted.Should().BeEmpty();
        again.Skipped.Should().NotBeEmpty();
        ShardTestData.Snapshot(_tmp.File("sharded")).Should().Equal(before);
    }

    [Fact]
    public async Task A_killed_runs_temporary_file_is_redone_and_removed_and_other_settings_are_refused()
    {
        var data = _tmp.File("data");
        ShardTestData.Dataset(data, 2, frames: 9);
        var output = _tmp.File("features");
        await Extractor(Small()).ExtractDatasetAsync(data, output);
        var complete = ShardTestData.Contents(output);
        var file = Path.Combine(output, "run", "v001.npy");
        File.Delete(file);
        File.WriteAllBytes(Path.Combine(output, "run", $".v001.npy.{Guid.NewGuid():N}.tmp"), [0x93, (byte)'N']);

        var rerun = (await Extractor(Small()).ExtractDatasetAsync(data, output));
        rerun.Extracted.Should().ContainSingle().Which.Should().EndWith("v001.avi");
        ShardTestData.Contents(output).Should().Equal(complete);

        var act = () => Extractor(Small(FeatureWindowing.PerWindow)).ExtractDatasetAsync(data, output);
        await act.Should().ThrowAsync<InvalidOperationException>().WithMessage("*other settings*windowing PerVideo → PerWindow*");
        ShardTestData.Contents(output).Should().Equal(complete, "a refused run writes nothing");
    }

    [Fact]
    public async Task A_flow_model_reads_precomputed_flow_folders_and_the_same_flow_computed_on_the_fly_gives_the_same_features()
    {
        var data = _tmp.File("data");
        var video = ShardTestData.Dataset(data, 1, frames: 10)[0];
        var farneback = new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 1, Iterations = 1 });
        (await new FlowExtractor(farneback).ExtractDatasetAsync(data, _tmp.File("flow"))).Extracted.Should().ContainSingle();
        {
            var fromFolders = Extractor(Small() with { FlowRoot = _tmp.File("flow") }, FlowModel.Value);
            fromFolders.ReadsFlow.Should().BeTrue();
            (await fromFolders.ExtractDatasetAsync(data, _tmp.File("features"))).Extracted.Should().ContainSingle();
            using var onTheFly = Extractor(Small(), FlowModel.Value, farneback).Extract(video);
            using var saved = NpyFile.Load(Path.Combine(_tmp.File("features"), "walk", "v000.npy"));
            saved.shape.Should().Equal(1, 1024);
            saved.allclose(onTheFly.Features, rtol: 1e-5, atol: 1e-6).Should().BeTrue();
            File.ReadAllText(Path.Combine(_tmp.File("features"), FeatureExtractor.SettingsFileName)).Should().Contain("\"stream\": \"flow\"");

            // Without flow folders the flow model reports the video as failed, naming the missing marker.
            var missing = (await Extractor(Small() with { FlowRoot = _tmp.File("nowhere") }, FlowModel.Value).ExtractDatasetAsync(data, _tmp.File("other")));
            missing.Failed.Should().ContainSingle().Which.Value.Should().Contain(FlowExtractor.DoneMarker);
        }
    }

    [Fact]
    public void Other_endpoints_and_unpooled_maps_have_the_layers_shapes()
    {
        var data = _tmp.File("data");
        var video = ShardTestData.Dataset(data, 1, frames: 8)[0];
        {
            using var pooled = Extractor(Small() with { Endpoint = I3DEndpoint.Mixed_4f }).Extract(video);
            using var map = Extractor(Small() with { Endpoint = I3DEndpoint.Mixed_4f, Pooling = FeaturePooling.None }).Extract(video);
            using var logits = Extractor(Small() with { Endpoint = I3DEndpoint.Logits }).Extract(video);
            pooled.Features.shape.Should().Equal(1, 832);
            map.Features.shape.Should().Equal(1, 832, 2, 2, 2);   // 8 frames, 32×32 → T/4, H/16, W/16
            map.Features.mean([2, 3, 4]).allclose(pooled.Features, rtol: 1e-4, atol: 1e-5).Should().BeTrue();
            logits.Features.shape.Should().Equal(1, 3);
        }
        using var truncated = new InceptionI3D(3, 3, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4f });
        var act = () => new FeatureExtractor(truncated, Small());
        act.Should().Throw<ArgumentException>().WithMessage("*Mixed_5c*ends at Mixed_4f*");
    }

    [Fact]
    public void Options_report_every_problem_at_once()
    {
        var options = new FeatureExtractionOptions
        {
            Frames = 0,
            BatchSize = 0,
            Transform = ClipTransformOptions.Training,
            Shard = null!,
        };
        var act = options.Validate;
        act.Should().Throw<ArgumentException>().WithMessage("*4 problems*Frames*BatchSize*Shard*Transform*deterministic*");
        new FeatureExtractionOptions().Validate();
    }
}
