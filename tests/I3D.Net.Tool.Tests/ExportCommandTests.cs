using I3D.Net.Models;
using I3D.Net.Onnx;
using I3D.Net.Weights;
using TorchSharp;

namespace I3D.Net.Tool.Tests;

/// <summary><c>i3d export</c>: the .onnx file it writes computes what the model computes.</summary>
public sealed class ExportCommandTests : IDisposable
{
    private readonly TestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task The_exported_graph_gives_the_models_logits_and_class_names()
    {
        var weights = _files.RgbModel("rgb.safetensors", "walk", "run", "jump");
        var onnx = _files.Path("rgb.onnx");
        var run = await ToolRun.RunAsync("export", onnx, "--model", weights, "--frames", "8", "--size", "32");
        run.ExitCode.Should().Be(0, run.ToString());
        run.Out.Should().Contain("InceptionI3D").And.Contain(onnx);

        var values = Enumerable.Range(0, 3 * 8 * 32 * 32).Select(i => (float)Math.Sin(i * 0.37)).ToArray();
        using var session = new OnnxI3D(onnx, new OnnxI3DOptions { IntraOpThreads = 1 });
        session.ClassNames.Should().Equal("walk", "run", "jump");
        var actual = session.Run(values, [1, 3, 8, 32, 32]).Buffer.ToArray();

        using var model = new InceptionI3D(3);
        Checkpoints.Load(model, weights);
        model.eval();
        using var _ = torch.no_grad();
        using var input = torch.tensor(values, [1, 3, 8, 32, 32]);
        using var logits = model.call(input);
        var expected = logits.data<float>().ToArray();
        var scale = expected.Max(Math.Abs);
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max().Should().BeLessThan(1e-4f * scale);
    }

    [Fact]
    public async Task Features_endpoint_outputs_1024_features()
    {
        var weights = _files.RgbModel("rgb.safetensors", "a", "b");
        var onnx = _files.Path("features.onnx");
        var run = await ToolRun.RunAsync("export", onnx, "--model", weights, "--frames", "8", "--size", "32", "--endpoint", "features");
        run.ExitCode.Should().Be(0, run.ToString());
        using var session = new OnnxI3D(onnx);
        session.OutputName.Should().Be("features");
        session.Run(new float[3 * 8 * 32 * 32], [1, 3, 8, 32, 32]).Dimensions.ToArray().Should().Equal(1, 1024);
    }
}
