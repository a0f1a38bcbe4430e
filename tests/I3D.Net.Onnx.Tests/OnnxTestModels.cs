using I3D.Net.Models;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Onnx.Tests;

/// <summary>Models with non-trivial weights and BatchNorm statistics, clips, and the comparison the tests make.</summary>
internal static class OnnxTestModels
{
    /// <summary>A stream in evaluation mode whose BatchNorms have random running statistics and affine parameters, so
    /// that folding and the BatchNormalization nodes are really exercised.</summary>
    public static InceptionI3D Stream(int numClasses, int channels, long seed, InceptionI3DOptions? options = null)
    {
        manual_seed(seed);
        var model = new InceptionI3D(numClasses, channels, options);
        Calibrate(model, channels, seed);
        return model;
    }

    /// <summary>
    /// Calibrated BatchNorm, as a trained model has: random scales and shifts, then running statistics set to one
    /// random batch's (momentum 1), so activations stay normalised through the network and the outputs depend on the
    /// input (default-initialised weights with unit statistics would make the logits nearly constant, which a wrong
    /// padding could not change).
    /// </summary>
    public static void Calibrate(nn.Module<Tensor, Tensor> module, int channels, long seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed + 1000);
        foreach (var (name, p) in module.named_parameters())
        {
            if (name.EndsWith("bn.weight", StringComparison.Ordinal)) p.copy_(rand(p.shape, generator: generator) + 0.5);
            else if (name.EndsWith("bn.bias", StringComparison.Ordinal)) p.copy_(randn(p.shape, generator: generator) * 0.2);
        }
        var norms = module.modules().OfType<BatchNorm3d>().ToArray();
        foreach (var bn in norms) bn.momentum = 1.0;
        module.train();
        module.forward(Clip(2, channels, 8, 64, 64, seed + 2000));
        foreach (var bn in norms) bn.momentum = 0.01;
        module.eval();
    }

    /// <summary>A clip of values in [-1, 1].</summary>
    public static Tensor Clip(long batch, long channels, long t, long h, long w, long seed)
    {
        var generator = new Generator((ulong)seed);
        return rand([batch, channels, t, h, w], generator: generator) * 2 - 1;
    }

    /// <summary>The clip as ONNX Runtime's tensor (same values, same layout).</summary>
    public static DenseTensor<float> ToDense(Tensor t) =>
        new(t.contiguous().data<float>().ToArray(), t.shape.Select(d => (int)d).ToArray());

    /// <summary>Asserts equal shapes and values within 1e-4 of the expected output's largest magnitude.</summary>
    public static void ShouldMatch(this DenseTensor<float> actual, Tensor expected)
    {
        actual.Dimensions.ToArray().Select(d => (long)d).Should().Equal(expected.shape);
        var e = expected.contiguous().data<float>().ToArray();
        var a = actual.Buffer.ToArray();
        var scale = e.Max(Math.Abs);
        scale.Should().BeGreaterThan(1e-3f, "the comparison must not be between near-zero outputs");
        var worst = e.Zip(a, (x, y) => Math.Abs(x - y)).Max();
        worst.Should().BeLessThanOrEqualTo(1e-4f * scale, $"outputs differ by {worst} at scale {scale}");
    }

    /// <summary>Asserts that another clip changes the output by far more than the comparison's tolerance, so that a
    /// match means the graph computes the model's function of the input, not just its constant part.</summary>
    public static void ShouldDependOnTheInput(Tensor output, Tensor otherOutput)
    {
        var scale = output.abs().max().item<float>();
        var change = (output - otherOutput).abs().max().item<float>();
        change.Should().BeGreaterThan(1e-2f * scale, "another clip must move the outputs by 100× the tolerance");
    }

    /// <summary>A fresh path for an exported model, deleted with the directory by the caller.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("i3d-onnx-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
