using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using OpenCvSharp;
using static I3D.Net.Onnx.Tests.OnnxTestModels;
using static TorchSharp.torch;

namespace I3D.Net.Onnx.Tests;

/// <summary><see cref="VideoClassifier"/> with the ONNX Runtime backend against the same classifier on the TorchSharp model.</summary>
public sealed class OnnxVideoClassifierTests : IDisposable
{
    private static readonly string[] Names = ["walk", "run", "jump", "sit", "wave"];
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Three 8-frame clips of 32×32, each in three crops, two crops per forward pass (so batches of 2 and 1).</summary>
    private static VideoClassifierOptions Small => new()
    {
        Sampling = TemporalSampling.Clips,
        Clips = 3,
        ClipLength = 8,
        Crops = 3,
        ShortSide = 40,
        CropSize = 32,
        FramesPerSecond = 25,
        BatchSize = 2,
        Device = I3D.Net.Runtime.ComputeDevice.Cpu,
    };

    /// <summary>TV-L1 cut down to one level and a few iterations (the same code path in both classifiers).</summary>
    private static FlowSettings FastFlow =>
        FlowSettings.Describe(new TvL1OpticalFlow(new TvL1OpticalFlowOptions { ScalesNumber = 1, Warps = 1, InnerIterations = 5, OuterIterations = 1 }));

    [Fact]
    public void Rgb_backend_gives_the_TorchSharp_classifiers_ranking_and_logits()
    {
        var frames = WriteFrames(_dir.File("frames"), 24);
        using var model = Stream(Names.Length, 3, seed: 31);
        var path = _dir.File("rgb.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32, ClassNames = Names });

        using var torchClassifier = new VideoClassifier(model, Names, Small);
        using var onnxClassifier = OnnxVideoClassifier.Load(path, Small, new OnnxI3DOptions { IntraOpThreads = 2 });
        onnxClassifier.ClassNames.Should().Equal(Names, "the names come from the file's metadata");
        onnxClassifier.Backend.Should().BeOfType<OnnxI3D>();
        onnxClassifier.ReadsRgb.Should().BeTrue();
        onnxClassifier.ReadsFlow.Should().BeFalse();

        ShouldAgree(onnxClassifier.Predict(frames, topK: 5), torchClassifier.Predict(frames, topK: 5));
        var other = WriteFrames(_dir.File("other"), 24, dx: -3, seed: 2);
        ShouldAgree(onnxClassifier.Predict(other, topK: 5), torchClassifier.Predict(other, topK: 5));
        LogitsDiffer(torchClassifier.Predict(frames).Logits, torchClassifier.Predict(other).Logits);
    }

    [Fact]
    public void Two_stream_backend_gives_the_TorchSharp_classifiers_ranking_and_logits()
    {
        var frames = WriteFrames(_dir.File("frames"), 20);
        using var model = new TwoStreamI3D(Stream(Names.Length, 3, seed: 41), Stream(Names.Length, 2, seed: 42));
        model.eval();
        var path = _dir.File("two.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32, ClassNames = Names });
        var options = Small with { Clips = 2, Crops = 1 };

        using var torchClassifier = new VideoClassifier(model, Names, options, FastFlow);
        using var onnxClassifier = OnnxVideoClassifier.Load(path, options, new OnnxI3DOptions { IntraOpThreads = 2 }, flow: FastFlow);
        onnxClassifier.ReadsRgb.Should().BeTrue();
        onnxClassifier.ReadsFlow.Should().BeTrue();
        onnxClassifier.Flow.Should().Be(torchClassifier.Flow);

        ShouldAgree(onnxClassifier.Predict(frames, topK: 3), torchClassifier.Predict(frames, topK: 3));
    }

    [Fact]
    public void Without_options_Load_picks_the_graphs_clip_size_and_classifies()
    {
        var frames = WriteFrames(_dir.File("frames"), 24);
        using var model = Stream(Names.Length, 3, seed: 51);
        var path = _dir.File("rgb.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32, ClassNames = Names });

        using var onnxClassifier = OnnxVideoClassifier.Load(path);
        onnxClassifier.Options.Should().Be(VideoClassifierOptions.Default with { Sampling = TemporalSampling.Clips, ClipLength = 8, CropSize = 32, ShortSide = 37 });
        using var torchClassifier = new VideoClassifier(model, Names, onnxClassifier.Options with { Device = I3D.Net.Runtime.ComputeDevice.Cpu });
        ShouldAgree(onnxClassifier.Predict(frames), torchClassifier.Predict(frames));
    }

    [Theory]
    [InlineData("ClipLength", "ClipLength = 8 (found 16)")]
    [InlineData("CropSize", "CropSize = 32 (found 24)")]
    [InlineData("Sampling", "Sampling = Clips (found WholeVideo)")]
    public void Options_that_do_not_produce_the_graphs_clip_size_are_a_clear_error(string option, string expected)
    {
        using var model = Stream(Names.Length, 3, seed: 61);
        var path = _dir.File("rgb.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32, ClassNames = Names });
        var options = option switch
        {
            "ClipLength" => Small with { ClipLength = 16 },
            "CropSize" => Small with { CropSize = 24 },
            _ => Small with { Sampling = TemporalSampling.WholeVideo },
        };

        var act = () => OnnxVideoClassifier.Load(path, options);

        act.Should().Throw<ArgumentException>()
            .WithMessage($"*requires clips of 8×32×32*{expected}*")
            .Which.ParamName.Should().Be("options");
    }

    [Fact]
    public void A_graph_without_class_names_needs_them_and_features_graphs_are_refused()
    {
        using var model = Stream(Names.Length, 3, seed: 71);
        OnnxExport.Export(model, _dir.File("nameless.onnx"), new OnnxExportOptions { Frames = 8, Height = 32, Width = 32 });
        OnnxExport.Export(model, _dir.File("features.onnx"), new OnnxExportOptions { Frames = 8, Height = 32, Width = 32, Endpoint = OnnxEndpoint.PooledFeatures });

        FluentActions.Invoking(() => OnnxVideoClassifier.Load(_dir.File("nameless.onnx"), Small))
            .Should().Throw<InvalidDataException>().WithMessage("*nameless.onnx*i3d.class_names*5 names*");
        using (var named = OnnxVideoClassifier.Load(_dir.File("nameless.onnx"), Small, classNames: Names))
            named.ClassNames.Should().Equal(Names);
        FluentActions.Invoking(() => OnnxVideoClassifier.Load(_dir.File("features.onnx"), Small))
            .Should().Throw<InvalidDataException>().WithMessage("*features.onnx*not logits*");
    }

    [Fact]
    public void The_classifier_disposes_the_backend_it_owns_and_only_that()
    {
        var frames = WriteFrames(_dir.File("frames"), 12);
        var owned = new CountingBackend();
        var lent = new CountingBackend();
        var options = Small with { Clips = 1, Crops = 1 };
        using (var classifier = new VideoClassifier(owned, Names, options, ownsModel: true))
        {
            var prediction = classifier.Predict(frames, topK: 1);
            prediction.Top[0].Name.Should().Be("wave", "the backend's logits rank the classes");
            owned.Batches.Should().Be(1);
            FluentActions.Invoking(() => classifier.Model).Should().Throw<InvalidOperationException>().WithMessage("*CountingBackend*");
        }
        using (new VideoClassifier(lent, Names, options)) { }

        owned.Disposals.Should().Be(1);
        lent.Disposals.Should().Be(0);
        var mismatched = () => new VideoClassifier(new CountingBackend(), Names, options with { CropSize = 40 });
        mismatched.Should().Throw<ArgumentException>().WithMessage("*CropSize = 32 (found 40)*");
    }

    /// <summary>A backend that checks the batch it gets and scores class i as i.</summary>
    private sealed class CountingBackend : IClipClassifierModel, IDisposable
    {
        public int Batches { get; private set; }
        public int Disposals { get; private set; }
        public int NumClasses => Names.Length;
        public bool ReadsRgb => true;
        public bool ReadsFlow => false;
        public ClipShape? RequiredClipShape => new ClipShape(8, 32, 32);

        public float[] Logits(Tensor? rgb, Tensor? flow)
        {
            rgb!.shape.Should().Equal(1, 3, 8, 32, 32);
            rgb.device_type.Should().Be(TorchSharp.DeviceType.CPU);
            flow.Should().BeNull();
            Batches++;
            return Enumerable.Range(0, NumClasses).Select(i => (float)i).ToArray();
        }

        public void Dispose() => Disposals++;
    }

    private static void ShouldAgree(VideoPrediction onnx, VideoPrediction torch)
    {
        onnx.Top.Select(s => s.Index).Should().Equal(torch.Top.Select(s => s.Index));
        onnx.Clips.Select(c => c.Frames).Should().BeEquivalentTo(torch.Clips.Select(c => c.Frames), o => o.WithStrictOrdering());
        var scale = torch.Logits.Max(Math.Abs);
        scale.Should().BeGreaterThan(1e-3f, "the comparison must not be between near-zero logits");
        var worst = onnx.Logits.Zip(torch.Logits, (a, e) => Math.Abs(a - e)).Max();
        worst.Should().BeLessThanOrEqualTo(1e-4f * scale, $"logits differ by {worst} at scale {scale}");
    }

    private static void LogitsDiffer(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        var scale = a.Max(Math.Abs);
        a.Zip(b, (x, y) => Math.Abs(x - y)).Max().Should().BeGreaterThan(1e-2f * scale, "another video must move the logits by 100× the tolerance");
    }

    /// <summary>A folder of PNG frames <c>img_00001.png…</c>: a smooth colour texture moving <paramref name="dx"/> px per frame.</summary>
    private static string WriteFrames(string folder, int frames, int dx = 2, int seed = 1, int width = 64, int height = 48)
    {
        Directory.CreateDirectory(folder);
        var rng = new Random(seed);
        var (fx, fy, phase) = (0.2 + 0.2 * rng.NextDouble(), 0.15 + 0.2 * rng.NextDouble(), 6 * rng.NextDouble());
        for (var f = 0; f < frames; f++)
        {
            using var image = new Mat(height, width, MatType.CV_8UC3);
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                {
                    var u = x - dx * f;
                    var v = 128 + 60 * Math.Sin(u * fx + phase) + 50 * Math.Cos(y * fy + 0.1 * u);
                    image.Set(y, x, new Vec3b(Byte(v + 3 * f), Byte(v), Byte(255 - v)));
                }
            Cv2.ImWrite(Path.Combine(folder, $"img_{f + 1:D5}.png"), image);
        }
        return folder;

        static byte Byte(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
    }
}
