using FluentAssertions;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Sampling;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Tests.Data;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

[Trait(TestDevice.Trait, TestDevice.Sensitive)]
[Trait(TestDevice.Needs, TestDevice.OpenCv)]
public sealed class VideoClassifierTests : IDisposable
{
    private static readonly string[] Names = ["walk", "run", "jump"];
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static InceptionI3D RgbModel(int seed = 3) => InferenceTestData.RgbModel(seed);

    private static float[] Forward(InceptionI3D model, Tensor clips)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return model.forward(clips).mean([0]).data<float>().ToArray();
    }

    [Fact]
    public void Whole_video_prediction_ranks_the_softmax_of_a_direct_forward_over_all_frames()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 20);
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small);

        var prediction = classifier.Predict(video, topK: 2);

        using var clip = InferenceTestData.RgbClip(video, Enumerable.Range(0, 20).ToArray());
        var expected = Forward(model, clip);
        ShouldMatch(prediction.Logits, expected);
        using var softmax = tensor(expected).softmax(0);
        var probabilities = softmax.data<float>().ToArray();
        var order = Enumerable.Range(0, 3).OrderByDescending(i => probabilities[i]).ToArray();
        prediction.Top.Should().HaveCount(2);
        prediction.Top.Select(s => s.Index).Should().Equal(order.Take(2));
        prediction.Top.Select(s => s.Name).Should().Equal(order.Take(2).Select(i => Names[i]));
        prediction.Top[0].Probability.Should().BeApproximately(probabilities[order[0]], 1e-5);
        prediction.Probabilities.Sum().Should().BeApproximately(1f, 1e-5f);
        prediction.Clips.Should().ContainSingle().Which.Frames.Should().Equal(Enumerable.Range(0, 20));
        prediction.Clips[0].Start.Should().Be(TimeSpan.Zero);
        prediction.Clips[0].End.Should().Be(TimeSpan.FromSeconds(20 / 25.0));
        prediction.Crops.Should().Be(1);
        prediction.Video.Should().Be(Path.GetFullPath(video));
    }

    [Fact]
    public void Whole_video_longer_than_MaxFrames_reads_the_centre_frames()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 20);
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small with { MaxFrames = 10 });
        var prediction = classifier.Predict(video);
        prediction.Clips.Should().ContainSingle().Which.Frames.Should().Equal(Enumerable.Range(5, 10));
        using var clip = InferenceTestData.RgbClip(video, Enumerable.Range(5, 10).ToArray());
        ShouldMatch(prediction.Logits, Forward(model, clip));
    }

    [Fact]
    public void N_clips_average_the_logits_of_evenly_spaced_windows_and_resample_the_frame_rate()
    {
        // 30 fps source, resampled to 25: 36 frames → 30 target frames; 3 clips of 8 at starts 0, 11, 22.
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v30.avi"), frames: 36, fps: 30);
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small with { Sampling = TemporalSampling.Clips, Clips = 3, ClipLength = 8 });

        var prediction = classifier.Predict(video);

        var windows = ClipSampler.EvenlySpacedWindows(30, 8, 1, 3);
        var expectedFrames = windows.Select(w => w.Select(j => (int)Math.Floor(j * 30 / 25.0 + 1e-9)).ToArray()).ToArray();
        prediction.Clips.Select(c => c.Frames.ToArray()).Should().BeEquivalentTo(expectedFrames, o => o.WithStrictOrdering());
        prediction.Clips[1].Start.Should().Be(TimeSpan.FromSeconds(expectedFrames[1][0] / 30.0));
        // The data pipeline's evenly spaced evaluation clips give the same input.
        var reader = new VideoClipReader(ClipLoaderOptions.Evaluation with
        {
            ClipLength = 8, Sampling = ClipSamplingMode.EvenlySpaced, ClipsPerSample = 3,
            Transform = new ClipTransformOptions { ShortSide = 40, CropSize = 32 },
        });
        using var sample = reader.Read(new LabeledVideo(video, 0), 0, 0);
        sample.FrameIndices.Should().BeEquivalentTo(expectedFrames, o => o.WithStrictOrdering());
        ShouldMatch(prediction.Logits, Forward(model, sample.Rgb!));
    }

    [Fact]
    public void Three_crops_average_both_ends_and_the_centre_of_the_longer_side()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 12);
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small with { Crops = 3, BatchSize = 2 });
        var prediction = classifier.Predict(video);
        prediction.Crops.Should().Be(3);
        var frames = Enumerable.Range(0, 12).ToArray();
        var expected = new double[3];
        foreach (var fraction in new[] { 0.0, 0.5, 1.0 })
        {
            using var clip = InferenceTestData.RgbClip(video, frames, fraction);
            var logits = Forward(model, clip);
            for (var c = 0; c < 3; c++) expected[c] += logits[c] / 3;
        }
        ShouldMatch(prediction.Logits, expected.Select(v => (float)v).ToArray());
        using var centre = InferenceTestData.RgbClip(video, frames);
        var centreLogits = Forward(model, centre);
        prediction.Logits.Zip(centreLogits).Should().Contain(p => Math.Abs(p.First - p.Second) > 1e-3 * centreLogits.Max(Math.Abs), "the side crops see other pixels");
    }

    [Fact]
    public void Timeline_gives_windows_every_stride_with_their_timestamps_and_logits()
    {
        var video = InferenceTestData.WriteMovingTexture(_folder.File("v.avi"), frames: 50);
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small);

        var timeline = classifier.PredictTimeline(video, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(0.4), topK: 1);

        timeline.Select(w => w.Start).Should().Equal(new[] { 0, 0.4, 0.8, 1.2 }.Select(TimeSpan.FromSeconds));
        timeline.Select(w => w.End).Should().Equal(new[] { 0.8, 1.2, 1.6, 2.0 }.Select(TimeSpan.FromSeconds));
        timeline.Should().OnlyContain(w => w.Top.Count == 1 && w.Frames.Count == 20);
        using var third = InferenceTestData.RgbClip(video, Enumerable.Range(20, 20).ToArray());
        var expected = Forward(model, third);
        ShouldMatch(timeline[2].Logits, expected);
        timeline[2].Best.Index.Should().Be(Array.IndexOf(expected, expected.Max()));

        var shortVideo = classifier.PredictTimeline(video, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(1));
        shortVideo.Should().ContainSingle().Which.Frames.Should().Equal(Enumerable.Range(0, 50), "a video shorter than the window is one window");
    }

    [Fact]
    public void PredictMany_reports_progress_per_video_and_keeps_the_order()
    {
        var a = InferenceTestData.WriteMovingTexture(_folder.File("a.avi"), frames: 8);
        var b = InferenceTestData.WriteMovingTexture(_folder.File("b.avi"), frames: 12, dx: -2);
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small);
        var reports = new List<VideoPredictionProgress>();
        var results = classifier.PredictMany([a, b], topK: 3, new SynchronousProgress<VideoPredictionProgress>(reports.Add));
        results.Select(r => r.Video).Should().Equal(Path.GetFullPath(a), Path.GetFullPath(b));
        results[1].Clips[0].Frames.Should().HaveCount(12);
        reports.Select(r => (r.Completed, r.Total)).Should().Equal((1, 2), (2, 2));
        reports[1].Prediction.Should().BeSameAs(results[1]);
        reports[1].EstimatedRemaining.Should().Be(TimeSpan.Zero);

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        FluentActions.Invoking(() => classifier.PredictMany([a], cancellationToken: cts.Token)).Should().Throw<OperationCanceledException>();
    }

    [Fact]
    public void Class_names_that_do_not_match_the_model_suggest_ReplaceLogits()
    {
        using var model = RgbModel();
        FluentActions.Invoking(() => new VideoClassifier(model, ["a", "b"], InferenceTestData.Small))
            .Should().Throw<ArgumentException>().WithMessage("*3 classes*2 class names*ReplaceLogits(2)*");
        FluentActions.Invoking(() => new VideoClassifier(model, Names, InferenceTestData.Small with { Crops = 2 }))
            .Should().Throw<ArgumentException>().WithMessage("*Crops*1 or 3*");
    }

    [Fact]
    public void A_missing_video_names_the_path()
    {
        using var model = RgbModel();
        using var classifier = new VideoClassifier(model, Names, InferenceTestData.Small);
        FluentActions.Invoking(() => classifier.Predict(_folder.File("nothing.mp4")))
            .Should().Throw<FileNotFoundException>().WithMessage("*nothing.mp4*");
    }

    /// <summary>Equal up to float rounding: batch composition and summation order differ (1e-5 of the largest logit).</summary>
    internal static void ShouldMatch(IReadOnlyList<float> actual, IReadOnlyList<float> expected)
    {
        actual.Should().HaveCount(expected.Count);
        var scale = Math.Max(1, expected.Max(Math.Abs));
        for (var i = 0; i < expected.Count; i++)
            actual[i].Should().BeApproximately(expected[i], 1e-5f * scale, $"logit {i} of [{string.Join(", ", actual)}] vs [{string.Join(", ", expected)}]");
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
