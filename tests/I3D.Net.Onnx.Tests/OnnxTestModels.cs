using I3D.Net.Models;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
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
        Calibrate(model, seed);
        model.eval();
        return model;
    }

    /// <summary>Random running means, variances, scales and shifts for every BatchNorm of <paramref name="module"/>.</summary>
    public static void Calibrate(nn.Module module, long seed)
    {
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed + 1000);
        foreach (var (name, t) in module.named_buffers())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(randn(t.shape, generator: generator) * 0.2);
            else if (name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape, generator: generator) + 0.5);
        }
        foreach (var (name, p) in module.named_parameters())
        {
            if (name.EndsWith("bn.weight", StringComparison.Ordinal)) p.copy_(rand(p.shape, generator: generator) + 0.5);
            else if (name.EndsWith("bn.bias", StringComparison.Ordinal)) p.copy_(randn(p.shape, generator: generator) * 0.1);
        }
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

    /// <summary>A fresh path for an exported model, deleted with the directory by the caller.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("i3d-onnx-").FullName;

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
