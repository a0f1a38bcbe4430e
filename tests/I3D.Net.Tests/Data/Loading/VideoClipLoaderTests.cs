using I3D.Net.Data;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Synthetic;
using I3D.Net.Data.Transforms;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Loading;

/// <summary>A small synthetic dataset (3 classes × 4 videos of 12 frames, 64×64) shared by the loader tests.</summary>
public sealed class SyntheticDatasetFixture : IDisposable
{
    private readonly TempFolder _folder = new();

    public SyntheticDatasetFixture()
    {
        Set = SyntheticActionDataset.Generate(_folder.Path, new SyntheticDatasetOptions
        {
            Actions = [SyntheticAction.MoveLeft, SyntheticAction.MoveRight, SyntheticAction.Grow],
            VideosPerClass = 4,
            FrameCount = 12,
            ValidationFraction = 0,
            TestFraction = 0,
            Seed = 1,
        });
    }

    public SyntheticDataset Set { get; }

    public VideoAnnotations All => Set.Train;

    public string Root => _folder.Path;

    public void Dispose() => _folder.Dispose();
}

public class VideoClipLoaderTests(SyntheticDatasetFixture data) : IClassFixture<SyntheticDatasetFixture>
{
    private static readonly ClipLoaderOptions Options = new()
    {
        BatchSize = 3,
        ClipLength = 8,
        Workers = 2,
        PrefetchBatches = 1,
        Seed = 11,
        Transform = new ClipTransformOptions { ShortSide = 48, CropSize = 40, RandomCrop = true, FlipProbability = 0.5, Brightness = 0.2 },
    };

    private static async Task<List<ClipBatch>> ReadAll(IClipBatchSource source, int epoch, int first = 0)
    {
        var list = new List<ClipBatch>();
        await foreach (var b in source.ReadEpochAsync(epoch, first))
            list.Add(b);
        return list;
    }

    private static void DisposeAll(IEnumerable<ClipBatch> batches)
    {
        foreach (var b in batches)
            b.Dispose();
    }

    [Fact]
    public async Task Batches_have_the_model_layout_labels_and_every_sample_once()
    {
        var loader = new VideoClipLoader(data.All, Options);
        loader.BatchesPerEpoch.Should().Be(4);
        loader.ClassNames.Should().Equal("move_left", "move_right", "grow");
        var batches = await ReadAll(loader, 0);
        try
        {
            batches.Should().HaveCount(4);
            foreach (var b in batches)
            {
                b.Rgb!.shape.Should().Equal(3, 3, 8, 40, 40);
                b.Rgb.dtype.Should().Be(ScalarType.Float32);
                b.Flow.Should().BeNull();
                b.Rgb.min().item<float>().Should().BeGreaterThanOrEqualTo(-1f);
                b.Rgb.max().item<float>().Should().BeLessThanOrEqualTo(1f);
                b.Labels.data<long>().ToArray().Should().Equal(b.SampleIndices.Select(i => (long)data.All.Items[i].Label));
            }
            batches.SelectMany(b => b.SampleIndices).Order().Should().Equal(Enumerable.Range(0, 12));
            batches.SelectMany(b => b.SampleIndices).Should().NotEqual(Enumerable.Range(0, 12), "the epoch is shuffled");
        }
        finally
        {
            DisposeAll(batches);
        }
    }

    [Fact]
    public async Task Epochs_are_a_pure_function_of_seed_and_epoch_and_resume_mid_epoch()
    {
        var a = await ReadAll(new VideoClipLoader(data.All, Options), 3);
        var b = await ReadAll(new VideoClipLoader(data.All, Options with { Workers = 1, PrefetchBatches = 3 }), 3);
        var resumed = await ReadAll(new VideoClipLoader(data.All, Options), 3, first: 2);
        var other = await ReadAll(new VideoClipLoader(data.All, Options), 4);
        try
        {
            for (var i = 0; i < a.Count; i++)
            {
                b[i].SampleIndices.Should().Equal(a[i].SampleIndices);
                b[i].Rgb!.eq(a[i].Rgb!).all().item<bool>().Should().BeTrue("worker count and prefetch do not change the data");
            }
            resumed.Should().HaveCount(2);
            resumed[0].SampleIndices.Should().Equal(a[2].SampleIndices);
            resumed[1].Rgb!.eq(a[3].Rgb!).all().item<bool>().Should().BeTrue("a resumed epoch sees the same batches");
            other.SelectMany(x => x.SampleIndices).Should().NotEqual(a.SelectMany(x => x.SampleIndices), "each epoch has its own order");
        }
        finally
        {
            DisposeAll(a.Concat(b).Concat(resumed).Concat(other));
        }
    }

    [Fact]
    public async Task Prefetch_is_bounded_while_the_consumer_is_slow()
    {
        var loader = new VideoClipLoader(data.All, Options with { BatchSize = 1, PrefetchBatches = 2 });
        loader.BatchesPerEpoch.Should().Be(12);
        await using var e = loader.ReadEpochAsync(0).GetAsyncEnumerator();
        (await e.MoveNextAsync()).Should().BeTrue();
        e.Current.Dispose();
        await Task.Delay(1500);
        // One batch handed out, at most PrefetchBatches waiting in the channel, one held by the blocked producer.
        loader.BatchesStarted.Should().BeLessThanOrEqualTo(1 + 2 + 1);
    }

    [Fact]
    public async Task Cancellation_stops_the_epoch()
    {
        var loader = new VideoClipLoader(data.All, Options with { BatchSize = 1 });
        using var cts = new CancellationTokenSource();
        var seen = 0;
        var act = async () =>
        {
            await foreach (var b in loader.ReadEpochAsync(0, 0, cts.Token))
            {
                b.Dispose();
                if (++seen == 2)
                    cts.Cancel();
            }
        };
        await act.Should().ThrowAsync<OperationCanceledException>();
        seen.Should().Be(2);
    }

    [Fact]
    public async Task Cancellation_hands_out_no_batch_that_was_already_decoded()
    {
        // The race of issue 14 item 17, made deterministic: the consumer waits until the prefetched batches are
        // decoded and only then cancels, so a loader that hands out what is already in its channel always fails.
        for (var run = 0; run < 3; run++)
        {
            var loader = new VideoClipLoader(data.All, Options with { BatchSize = 1, PrefetchBatches = 3, Shuffle = false });
            using var cts = new CancellationTokenSource();
            var seen = 0;
            var act = async () =>
            {
                await foreach (var b in loader.ReadEpochAsync(0, 0, cts.Token))
                {
                    b.Dispose();
                    seen++;
                    var deadline = DateTime.UtcNow.AddSeconds(20);
                    while (loader.BatchesStarted < 1 + 3 && DateTime.UtcNow < deadline)
                        await Task.Delay(10);
                    await Task.Delay(400);   // tiny clips: the prefetched batches finish decoding well within this
                    cts.Cancel();
                }
            };
            await act.Should().ThrowAsync<OperationCanceledException>();
            seen.Should().Be(1, $"no batch may be yielded after cancellation (run {run})");
        }
    }

    [Fact]
    public async Task Unreadable_items_are_skipped_within_the_budget_and_logged()
    {
        using var tmp = new TempFolder();
        var empty = tmp.File("empty.mp4");
        File.WriteAllBytes(empty, []);
        var dir = tmp.File("dir.mp4");
        Directory.CreateDirectory(dir);
        var items = data.All.Items.Concat([new LabeledVideo(empty, 0), new LabeledVideo(dir, 1), new LabeledVideo(tmp.File("missing.avi"), 2)]).ToArray();
        var dataset = new VideoAnnotations(data.All.Classes, items);
        var logger = new ListLogger<VideoClipLoader>();
        var loader = new VideoClipLoader(dataset, Options with { SkipBudget = 10 }, logger);
        loader.BatchesPerEpoch.Should().Be(5);
        var batches = await ReadAll(loader, 0);
        try
        {
            batches.Should().HaveCount(5).And.OnlyContain(b => b.Count == 3);
            batches.SelectMany(b => b.SampleIndices).Should().OnlyContain(i => i < 12, "unreadable items are replaced");
            var warnings = logger.Entries.Where(e => e.Level == LogLevel.Warning).Select(e => e.Message).ToList();
            warnings.Should().HaveCount(3);
            warnings.Should().Contain(m => m.Contains("empty.mp4") && m.Contains("0 bytes"));
            warnings.Should().Contain(m => m.Contains("dir.mp4") && m.Contains("no numbered JPEG/PNG frames"));
            warnings.Should().Contain(m => m.Contains("missing.avi") && m.Contains("does not exist"));
        }
        finally
        {
            DisposeAll(batches);
        }

        // The replacements are deterministic too.
        var again = await ReadAll(new VideoClipLoader(dataset, Options with { SkipBudget = 10 }), 0);
        again.SelectMany(b => b.SampleIndices).Should().Equal(batches.SelectMany(b => b.SampleIndices));
        DisposeAll(again);

        var strict = new VideoClipLoader(dataset, Options with { OnUnreadable = UnreadableItemPolicy.Fail });
        var fail = async () => DisposeAll(await ReadAll(strict, 0));
        (await fail.Should().ThrowAsync<InvalidDataException>()).WithMessage("*Cannot read item 1?*");

        var tight = new VideoClipLoader(dataset, Options with { SkipBudget = 1 });
        var overBudget = async () => DisposeAll(await ReadAll(tight, 0));
        (await overBudget.Should().ThrowAsync<InvalidDataException>()).WithMessage("*More than 1 unreadable items in epoch 0*");
    }

    [Fact]
    public async Task Evenly_spaced_clips_are_grouped_per_sample()
    {
        var loader = new VideoClipLoader(data.All, ClipLoaderOptions.Evaluation with
        {
            BatchSize = 5,
            ClipLength = 4,
            Sampling = ClipSamplingMode.EvenlySpaced,
            ClipsPerSample = 3,
            Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 },
        });
        loader.BatchesPerEpoch.Should().Be(3);
        var batches = await ReadAll(loader, 0);
        try
        {
            batches.Select(b => b.Count).Should().Equal(5, 5, 2);
            batches[0].Rgb!.shape.Should().Equal(15, 3, 4, 32, 32);
            batches[0].ClipsPerSample.Should().Be(3);
            batches.SelectMany(b => b.SampleIndices).Should().Equal(Enumerable.Range(0, 12), "evaluation keeps the order");
            // The 3 windows of a moving shape differ from each other.
            batches[0].Rgb![0].allclose(batches[0].Rgb![2]).Should().BeFalse();
        }
        finally
        {
            DisposeAll(batches);
        }
    }

    [Fact]
    public async Task Two_stream_batches_pair_RGB_with_flow_and_flip_negates_flow_x()
    {
        using var tmp = new TempFolder();
        var items = data.All.Items.Take(4).Select((item, i) =>
        {
            var flowDir = tmp.File($"flow{i}");
            // x = 255 (+20 px, rightward), y = 128 (≈0) for 11 frames: one fewer than the 12 RGB frames.
            Video.FrameFolderReaderTests.WriteFlow(flowDir, "flow_x_", "flow_y_", 11, _ => (255, 128));
            return item with { FlowPath = flowDir };
        }).ToArray();
        var dataset = new VideoAnnotations(data.All.Classes, items);
        var transform = new ClipTransformOptions { ShortSide = null, CropSize = 16, RandomCrop = true };
        async Task<ClipBatch> First(double flip)
        {
            var loader = new VideoClipLoader(dataset, Options with { BatchSize = 2, ClipLength = 11, Modality = ClipModality.RgbAndFlow, Transform = transform with { FlipProbability = flip } });
            var all = await ReadAll(loader, 0);
            DisposeAll(all.Skip(1));
            return all[0];
        }
        using var plain = await First(0);
        using var flipped = await First(1);
        plain.Rgb!.shape.Should().Equal(2, 3, 11, 16, 16);
        plain.Flow!.shape.Should().Equal(2, 2, 11, 16, 16);
        plain.Flow[.., 0].mean().item<float>().Should().BeApproximately(1f, 0.02f);
        flipped.Flow![.., 0].mean().item<float>().Should().BeApproximately(-1f, 0.02f, "mirroring reverses horizontal motion");
        flipped.Flow[.., 1].abs().max().item<float>().Should().BeLessThan(0.05f);
        using var mirrored = flipped.Rgb!.flip(-1);
        mirrored.allclose(plain.Rgb!).Should().BeTrue("RGB gets the same crop, only mirrored");
    }

    [Fact]
    public void Options_and_dataset_are_validated()
    {
        var noFlow = () => new VideoClipLoader(data.All, Options with { Modality = ClipModality.Flow });
        noFlow.Should().Throw<ArgumentException>().WithMessage("*Modality Flow needs flow folders*");
        var tooBig = () => new VideoClipLoader(data.All, Options with { BatchSize = 13 });
        tooBig.Should().Throw<ArgumentException>().WithMessage("*12 items make no full batch of 13*");
        var k = () => new VideoClipLoader(data.All, Options with { ClipsPerSample = 2 });
        k.Should().Throw<ArgumentException>().WithMessage("*ClipsPerSample = 2 needs Sampling = EvenlySpaced*");
    }

    [Fact]
    public async Task Dataset_check_reports_each_unreadable_item_with_its_reason()
    {
        using var tmp = new TempFolder();
        var empty = tmp.File("empty.mp4");
        File.WriteAllBytes(empty, []);
        var text = tmp.File("text.avi");
        File.WriteAllText(text, "not a video");
        var items = data.All.Items.Take(3).Concat([new LabeledVideo(empty, 0), new LabeledVideo(text, 1)]).ToArray();
        var progress = new List<int>();
        var report = await DatasetCheck.RunAsync(new VideoAnnotations(data.All.Classes, items), workers: 2, progress: new SyncProgress(progress));
        report.Checked.Should().Be(5);
        report.IsClean.Should().BeFalse();
        report.Unreadable.Select(u => u.Index).Should().Equal(3, 4);
        report.Unreadable[0].Reason.Should().Contain("0 bytes");
        report.Unreadable[1].Reason.Should().Contain("is a text file").And.Contain("not a video container");
        report.ToString().Should().Contain("2 of 5 items are unreadable").And.Contain("text.avi");
        progress.Should().HaveCount(5);
        (await DatasetCheck.RunAsync(new VideoAnnotations(data.All.Classes, data.All.Items.Take(2).ToArray()))).IsClean.Should().BeTrue();
    }

    private sealed class SyncProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value)
        {
            lock (values)
                values.Add(value);
        }
    }
}
