using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace I3D.Net.Tests.Parity;

/// <summary>
/// Weights and inputs computed from an integer formula, identical to tools/parity/make_parity_fixture.py, so the
/// parity fixture only stores expected outputs. x_i = fmix32((i·0x9E3779B1 + fnv1a32(key)) mod 2³²) / 2³¹ − 1.
/// </summary>
internal static class FormulaTensors
{
    public static float[] Values(string key, long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        uint seed = Fnv1a32(key);
        double scale, offset = 0;
        if (key.EndsWith("conv3d.weight", StringComparison.Ordinal))
            scale = Math.Sqrt(6.0 / shape.Skip(1).Aggregate(1L, (a, b) => a * b));
        else if (key.EndsWith("conv3d.bias", StringComparison.Ordinal)) scale = 0.1;
        else if (key.EndsWith("bn.weight", StringComparison.Ordinal)) (offset, scale) = (1.0, 0.1);
        else if (key.EndsWith("bn.bias", StringComparison.Ordinal) || key.EndsWith("bn.running_mean", StringComparison.Ordinal)) scale = 0.1;
        else if (key.EndsWith("bn.running_var", StringComparison.Ordinal)) (offset, scale) = (1.0, 0.5);
        else if (key == "input") scale = 1.0;
        else throw new ArgumentException($"No formula for key '{key}'.");

        var values = new float[n];
        for (long i = 0; i < n; i++)
        {
            uint h = Fmix32(unchecked((uint)i * 0x9E3779B1u + seed));
            double x = h / 2147483648.0 - 1.0;
            // Same operation order as the Python side: scale first, then offset (offset + scale * x).
            values[i] = offset == 0 ? (float)(x * scale) : (float)(offset + scale * x);
        }
        return values;
    }

    public static Tensor Input(long[] shape) => tensor(Values("input", shape), shape);

    /// <summary>Fills every state-dict entry of <paramref name="module"/> from the formula (num_batches_tracked = 0).</summary>
    public static void Fill(Module module)
    {
        using var noGrad = no_grad();
        foreach (var (key, t) in module.state_dict())
        {
            if (key.EndsWith("num_batches_tracked", StringComparison.Ordinal)) { t.zero_(); continue; }
            using var v = tensor(Values(key, t.shape), t.shape);
            t.copy_(v);
        }
    }

    private static uint Fnv1a32(string text)
    {
        uint h = 0x811C9DC5;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(text))
            h = unchecked((h ^ b) * 0x01000193u);
        return h;
    }

    private static uint Fmix32(uint h)
    {
        h ^= h >> 16;
        h = unchecked(h * 0x85EBCA6Bu);
        h ^= h >> 13;
        h = unchecked(h * 0xC2B2AE35u);
        h ^= h >> 16;
        return h;
    }
}
