using I3D.Net.Models;
using I3D.Net.Models.Inference;
using I3D.Net.Onnx.Protobuf;
using TorchSharp;
using static I3D.Net.Onnx.Tests.OnnxTestModels;
using static TorchSharp.torch;

namespace I3D.Net.Onnx.Tests;

public class OnnxExportTests
{
    [Theory]
    [InlineData(3, 16, 64, 64, true, 17)]
    [InlineData(3, 16, 64, 64, false, 17)]
    [InlineData(3, 24, 72, 88, true, 18)]
    [InlineData(2, 16, 64, 64, true, 17)]
    [InlineData(2, 24, 72, 88, false, 21)]
    public void Stream_logits_equal_the_TorchSharp_model(int channels, int t, int h, int w, bool fold, int opset)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = Stream(7, channels, seed: channels * 100 + t);
        var path = dir.File("stream.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = t, Height = h, Width = w, FoldBatchNorm = fold, Opset = opset });

        var x = Clip(2, channels, t, h, w, seed: 5);
        using var noGrad = no_grad();
        var expected = model.forward(x);
        using var onnx = new OnnxI3D(path, new OnnxI3DOptions { IntraOpThreads = 2 });
        onnx.InputNames.Should().Equal(channels == 3 ? "rgb" : "flow");
        onnx.OutputName.Should().Be("logits");
        onnx.Run(ToDense(x)).ShouldMatch(expected);
        ShouldDependOnTheInput(expected, model.forward(Clip(2, channels, t, h, w, seed: 6)));

        var ops = ReadModel(path).Graph.Node.Select(n => n.OpType).ToHashSet();
        ops.Should().NotContain("Pad", "TF-SAME padding goes into the Conv/MaxPool pads");
        ops.Contains("BatchNormalization").Should().Be(!fold);
    }

    /// <summary>The sizes (16×224² and the odd 24×200×216) for two streams (logits, pooled features), the RGB
    /// stream (logits, pooled features without folding), flow Mixed_5c and a frozen flow stream: too slow for the default
    /// run on a 2-core machine.</summary>
    [Theory]
    [Trait("Category", "Heavy")]
    [InlineData(16, 224, 224)]
    [InlineData(24, 200, 216)]
    public void Full_size_exports_of_every_model_kind_and_endpoint_equal_the_TorchSharp_model(int t, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = new TwoStreamI3D(Stream(9, 3, 101), Stream(9, 2, 102));
        model.eval();
        var rgb = Clip(1, 3, t, h, w, 11);
        var flow = Clip(1, 2, t, h, w, 12);
        var options = new OnnxExportOptions { Frames = t, Height = h, Width = w };
        using var noGrad = no_grad();

        OnnxExport.Export(model, dir.File("two.onnx"), options);
        using (var onnx = new OnnxI3D(dir.File("two.onnx")))
            onnx.Run(ToDense(rgb), ToDense(flow)).ShouldMatch(model.forward(rgb, flow));
        OnnxExport.Export(model, dir.File("features.onnx"), options with { Endpoint = OnnxEndpoint.PooledFeatures });
        using (var onnx = new OnnxI3D(dir.File("features.onnx")))
            onnx.Run(ToDense(rgb), ToDense(flow)).ShouldMatch(model.ExtractFeatures(rgb, flow));
        OnnxExport.Export(model.Flow, dir.File("flow-mixed5c.onnx"), options with { Endpoint = I3DEndpoint.Mixed_5c });
        using (var onnx = new OnnxI3D(dir.File("flow-mixed5c.onnx")))
            onnx.Run(ToDense(flow)).ShouldMatch(model.Flow.ForwardTo(flow, I3DEndpoint.Mixed_5c));
        OnnxExport.Export(model.Rgb, dir.File("rgb.onnx"), options);
        using (var onnx = new OnnxI3D(dir.File("rgb.onnx")))
            onnx.Run(ToDense(rgb)).ShouldMatch(model.Rgb.forward(rgb));
        OnnxExport.Export(model.Rgb, dir.File("rgb-features.onnx"), options with { Endpoint = OnnxEndpoint.PooledFeatures, FoldBatchNorm = false });
        using (var onnx = new OnnxI3D(dir.File("rgb-features.onnx")))
            onnx.Run(ToDense(rgb)).ShouldMatch(model.Rgb.ExtractFeatures(rgb));
        var frozen = FrozenInceptionI3D.Freeze(model.Flow);
        OnnxExport.Export(frozen, dir.File("frozen-flow.onnx"), options);
        using (var onnx = new OnnxI3D(dir.File("frozen-flow.onnx")))
            onnx.Run(ToDense(flow)).ShouldMatch(frozen.forward(flow));
    }

    [Fact]
    public void Tf_same_padding_is_asymmetric_where_the_model_pads_one_cell_more_at_the_end()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var path = dir.File("stem.onnx");
        OnnxExport.Export(Stream(3, 3, 1), path, new OnnxExportOptions { Frames = 16, Height = 64, Width = 64 });
        var conv = ReadModel(path).Graph.Node.First(n => n.OpType == "Conv");
        // 7×7×7 stride 2 on 16×64×64: total padding 5 per dimension, 2 before and 3 after.
        conv.Attribute.Single(a => a.Name == "pads").Ints.Should().Equal(2, 2, 2, 3, 3, 3);
    }

    [Theory]
    [InlineData(StreamFusion.Sum)]
    [InlineData(StreamFusion.Average)]
    [InlineData(StreamFusion.Learned)]
    public void Two_stream_graph_fuses_like_the_model(StreamFusion fusion)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = new TwoStreamI3D(Stream(5, 3, 11), Stream(5, 2, 12), fusion);
        if (fusion == StreamFusion.Learned)
        {
            using var noGrad0 = no_grad();
            model.FusionWeight!.copy_(tensor(new[] { 0.7f, 1.3f }));
        }
        model.eval();
        var path = dir.File("two.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 8, Height = 40, Width = 48 });

        var rgb = Clip(1, 3, 8, 40, 48, 1);
        var flow = Clip(1, 2, 8, 40, 48, 2);
        using var noGrad = no_grad();
        using var onnx = new OnnxI3D(path);
        onnx.InputNames.Should().BeEquivalentTo("rgb", "flow");
        onnx.Metadata[OnnxMetadataKeys.Fusion].Should().Be(fusion.ToString());
        onnx.Run(ToDense(rgb), ToDense(flow)).ShouldMatch(model.forward(rgb, flow));
    }

    [Fact]
    public void Two_stream_pooled_features_are_rgb_then_flow()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = new TwoStreamI3D(Stream(5, 3, 21), Stream(5, 2, 22));
        model.eval();
        var path = dir.File("two-features.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 16, Height = 64, Width = 64, Endpoint = OnnxEndpoint.PooledFeatures });
        var rgb = Clip(1, 3, 16, 64, 64, 3);
        var flow = Clip(1, 2, 16, 64, 64, 4);
        using var noGrad = no_grad();
        using var onnx = new OnnxI3D(path);
        onnx.OutputName.Should().Be("features");
        onnx.Run(ToDense(rgb), ToDense(flow)).ShouldMatch(model.ExtractFeatures(rgb, flow));
    }

    [Theory]
    [InlineData(false, 16, 64, 64)]
    [InlineData(true, 24, 72, 88)]
    public void Frozen_model_exports_to_the_same_logits(bool channelsLast, int t, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var source = Stream(6, 3, 31);
        var frozen = FrozenInceptionI3D.Freeze(source, channelsLast);
        var path = dir.File("frozen.onnx");
        OnnxExport.Export(frozen, path, new OnnxExportOptions { Frames = t, Height = h, Width = w });
        var x = Clip(1, 3, t, h, w, 6);
        using var noGrad = no_grad();
        using var onnx = new OnnxI3D(path);
        onnx.Metadata[OnnxMetadataKeys.ModelType].Should().Be(nameof(FrozenInceptionI3D));
        onnx.Run(ToDense(x)).ShouldMatch(frozen.forward(x));
    }

    [Theory]
    [InlineData(16, 64, 64)]
    [InlineData(24, 72, 88)]
    public void Mixed_5c_and_pooled_feature_endpoints_equal_the_model(int t, int h, int w)
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = Stream(4, 3, 41);
        var x = Clip(1, 3, t, h, w, 7);
        using var noGrad = no_grad();

        var mapPath = dir.File("mixed5c.onnx");
        OnnxExport.Export(model, mapPath, new OnnxExportOptions { Frames = t, Height = h, Width = w, Endpoint = I3DEndpoint.Mixed_5c });
        using (var onnx = new OnnxI3D(mapPath))
        {
            onnx.OutputName.Should().Be("Mixed_5c");
            onnx.Run(ToDense(x)).ShouldMatch(model.ForwardTo(x, I3DEndpoint.Mixed_5c));
        }

        var featurePath = dir.File("features.onnx");
        OnnxExport.Export(model, featurePath, new OnnxExportOptions { Frames = t, Height = h, Width = w, Endpoint = OnnxEndpoint.PooledFeatures, FoldBatchNorm = false });
        using (var onnx = new OnnxI3D(featurePath))
            onnx.Run(ToDense(x)).ShouldMatch(model.ExtractFeatures(x));
    }

    [Fact]
    public void An_early_endpoint_of_a_truncated_model_is_exported()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = Stream(4, 2, 51, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4c });
        var path = dir.File("mixed3c.onnx");
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = 8, Height = 48, Width = 40, Endpoint = I3DEndpoint.Mixed_3c });
        var x = Clip(1, 2, 8, 48, 40, 8);
        using var noGrad = no_grad();
        using var onnx = new OnnxI3D(path);
        onnx.Run(ToDense(x)).ShouldMatch(model.ForwardTo(x, I3DEndpoint.Mixed_3c));
    }

    [Fact]
    public void Dynamic_batch_runs_any_batch_and_a_fixed_batch_refuses_others()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var model = Stream(3, 3, 61);
        var dynamicPath = dir.File("dynamic.onnx");
        var fixedPath = dir.File("fixed.onnx");
        OnnxExport.Export(model, dynamicPath, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32 });
        OnnxExport.Export(model, fixedPath, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32, DynamicBatch = false, BatchSize = 2 });
        var x = Clip(3, 3, 8, 32, 32, 9);
        using var noGrad = no_grad();
        using (var onnx = new OnnxI3D(dynamicPath))
        {
            onnx.InputShape("rgb").Should().Equal(-1, 3, 8, 32, 32);
            onnx.Run(ToDense(x)).ShouldMatch(model.forward(x));
        }
        using (var onnx = new OnnxI3D(fixedPath))
        {
            onnx.InputShape("rgb").Should().Equal(2, 3, 8, 32, 32);
            FluentActions.Invoking(() => onnx.Run(ToDense(x))).Should().Throw<ArgumentException>().WithMessage("*expected [2, 3, 8, 32, 32], found [3, 3, 8, 32, 32]*");
        }
    }

    [Fact]
    public void Metadata_round_trips()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var path = dir.File("meta.onnx");
        string[] names = ["archery", "bowling, \"ten-pin\"", "ćwiczenia"];
        OnnxExport.Export(Stream(3, 3, 71), path, new OnnxExportOptions
        {
            Frames = 8, Height = 32, Width = 32,
            ClassNames = names,
            SourceWeights = "rgb_imagenet.pt sha256:abc",
            Metadata = new Dictionary<string, string> { ["license"] = "Apache-2.0" },
        });
        using var onnx = new OnnxI3D(path);
        onnx.ClassNames.Should().Equal(names);
        onnx.Metadata[OnnxMetadataKeys.SourceWeights].Should().Be("rgb_imagenet.pt sha256:abc");
        onnx.Metadata[OnnxMetadataKeys.ClipSize].Should().Be("8x32x32");
        onnx.Metadata[OnnxMetadataKeys.ModelType].Should().Be(nameof(InceptionI3D));
        onnx.Metadata[OnnxMetadataKeys.Endpoint].Should().Be("logits");
        onnx.Metadata[OnnxMetadataKeys.InputConvention].Should().Contain("[-1, 1]");
        onnx.Metadata["license"].Should().Be("Apache-2.0");
    }

    [Fact]
    public void Unsupported_configurations_get_clear_errors_and_write_nothing()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var path = dir.File("never.onnx");
        var small = new OnnxExportOptions { Frames = 8, Height = 32, Width = 32 };
        var model = Stream(3, 3, 81);
        var truncated = Stream(3, 3, 82, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4b });
        var two = new TwoStreamI3D(3);

        FluentActions.Invoking(() => OnnxExport.Export(truncated, path, small)).Should().Throw<NotSupportedException>()
            .WithMessage("*built up to Mixed_4b*logits*");
        FluentActions.Invoking(() => OnnxExport.Export(two, path, small with { Endpoint = I3DEndpoint.Mixed_5c })).Should().Throw<NotSupportedException>()
            .WithMessage("*two-stream*Mixed_5c*");
        FluentActions.Invoking(() => OnnxExport.Export(model, path, small with { Opset = 12 })).Should().Throw<ArgumentException>()
            .WithMessage("*Opset must be 13 to 21; found 12*");
        FluentActions.Invoking(() => OnnxExport.Export(model, path, small with { Height = 31 })).Should().Throw<ArgumentException>()
            .WithMessage("*at least 32; found 31×32*");
        FluentActions.Invoking(() => OnnxExport.Export(model, path, small with { ClassNames = ["a", "b"] })).Should().Throw<ArgumentException>()
            .WithMessage("*2 names; the model has 3 classes*");
        FluentActions.Invoking(() => OnnxExport.Export(model, path, small with { Metadata = new Dictionary<string, string> { ["i3d.model"] = "x" } }))
            .Should().Throw<ArgumentException>().WithMessage("*i3d.*");
        var doubleModel = new InceptionI3D(3, 3, dtype: ScalarType.Float64);
        FluentActions.Invoking(() => OnnxExport.Export(doubleModel, path, small)).Should().Throw<NotSupportedException>()
            .WithMessage("*float32*Float64*");
        File.Exists(path).Should().BeFalse();
        Directory.GetFiles(dir.Path).Should().BeEmpty("a failed export leaves no temporary file");
    }

    [Fact]
    public void OnnxI3D_refuses_a_missing_or_corrupt_file_and_a_wrong_clip()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        FluentActions.Invoking(() => new OnnxI3D(dir.File("missing.onnx"))).Should().Throw<FileNotFoundException>();
        var corrupt = dir.File("corrupt.onnx");
        File.WriteAllBytes(corrupt, [0x08, 0x08, 0x3a, 0xff, 0x01, 0x02]);
        FluentActions.Invoking(() => new OnnxI3D(corrupt)).Should().Throw<InvalidDataException>().WithMessage($"*corrupt.onnx*");

        var path = dir.File("ok.onnx");
        OnnxExport.Export(Stream(3, 3, 91), path, new OnnxExportOptions { Frames = 8, Height = 32, Width = 32 });
        using var onnx = new OnnxI3D(path);
        FluentActions.Invoking(() => onnx.Run(new float[2 * 8 * 32 * 32], [1, 2, 8, 32, 32])).Should().Throw<ArgumentException>()
            .WithMessage("*'rgb'*expected [B, 3, 8, 32, 32], found [1, 2, 8, 32, 32]*");
        FluentActions.Invoking(() => onnx.Run(new float[10], [1, 3, 8, 32, 32])).Should().Throw<ArgumentException>()
            .WithMessage("*holds 24576 values; found 10*");
        FluentActions.Invoking(() => onnx.Run(ToDense(zeros(new long[] { 1, 3, 8, 32, 32 })), ToDense(zeros(new long[] { 1, 2, 8, 32, 32 })))).Should().Throw<InvalidOperationException>();
    }

    private static ModelProto ReadModel(string path)
    {
        using var stream = File.OpenRead(path);
        return ModelProto.Parser.ParseFrom(stream);
    }
}
