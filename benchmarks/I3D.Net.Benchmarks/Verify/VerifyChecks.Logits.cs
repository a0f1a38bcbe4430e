using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

/// <summary>The checks behind the lines of the verification table, one section per file.</summary>
internal static partial class VerifyChecks
{
    /// <summary>fp32 with TF32 off: only summation order differs from the CPU (cuDNN's algorithms), ~1e-6 relative per layer.</summary>
    public const double LogitsToleranceFp32 = 1e-4;

    /// <summary>TF32 rounds convolution inputs to a 10-bit mantissa (~5e-4 relative each); 22 layers deep that stays under 2e-2.</summary>
    public const double LogitsToleranceTf32 = 2e-2;

    /// <summary>
    /// CPU against device logits of InceptionI3D and TwoStreamI3D (same weights, eval mode), once with TF32 off and once
    /// on. Measured: max |device − CPU| / max |CPU| over all logits.
    /// </summary>
    public static IEnumerable<VerifyRow> Logits(VerifyOptions o)
    {
        var device = BenchDevice.Device;
        var shape = $"B={o.LogitsBatch}, T={o.LogitsFrames}, {o.LogitsSize}²";
        foreach (var twoStream in new[] { false, true })
        {
            using var scope = NewDisposeScope();
            using var seed = random.manual_seed(7);
            nn.Module model = twoStream ? new TwoStreamI3D(400) : new InceptionI3D(400, 3);
            var generator = new Generator(11);
            var rgb = randn(new long[] { o.LogitsBatch, 3, o.LogitsFrames, o.LogitsSize, o.LogitsSize }, generator: generator);
            var flow = twoStream ? randn(new long[] { o.LogitsBatch, 2, o.LogitsFrames, o.LogitsSize, o.LogitsSize }, generator: generator) : null;
            Tensor Forward(Device d)
            {
                using var noGrad = no_grad();
                return twoStream ? ((TwoStreamI3D)model).call(rgb.to(d), flow!.to(d)).cpu() : ((InceptionI3D)model).call(rgb.to(d)).cpu();
            }
            model.eval();
            SetTf32(false);
            var reference = Forward(CPU);
            model.to(device);
            var name = twoStream ? "TwoStreamI3D" : "InceptionI3D";
            foreach (var tf32 in new[] { false, true })
            {
                SetTf32(tf32);
                var logits = Forward(device);
                var relative = (logits - reference).abs().max().item<float>() / reference.abs().max().item<float>();
                yield return VerifyRow.AtMost($"logits {name} {device.type} vs CPU, fp32 TF32 {(tf32 ? "on" : "off")} ({shape}), max|Δ|/max|logit|",
                    relative, tf32 ? LogitsToleranceTf32 : LogitsToleranceFp32);
            }
            SetTf32(false);
            model.Dispose();
        }
    }

    /// <summary>TF32 for matmul and cuDNN convolutions; the flags exist (and do nothing) on the CPU.</summary>
    internal static void SetTf32(bool on)
    {
        backends.cuda.matmul.allow_tf32 = on;
        backends.cudnn.allow_tf32 = on;
    }
}
