using static TorchSharp.torch;

namespace I3D.Net.Tests.Flow;

/// <summary>Synthetic frame pairs with a known flow, and end-point-error helpers.</summary>
internal static class FlowTestData
{
    /// <summary>
    /// A smooth texture (a sum of random plane waves, wavelengths 6–40 px) and the same texture translated by
    /// (<paramref name="dx"/>, <paramref name="dy"/>) pixels, evaluated analytically so the sub-pixel shift is exact:
    /// <c>next(x, y) = previous(x − dx, y − dy)</c>, i.e. the true flow is (dx, dy) everywhere.
    /// </summary>
    public static (Tensor Previous, Tensor Next) TranslatedTexture(int height, int width, double dx, double dy, int seed, int waves = 24)
    {
        var random = new Random(seed);
        var previous = new float[height * width];
        var next = new float[height * width];
        var parameters = Enumerable.Range(0, waves).Select(_ =>
        {
            double wavelength = 6 + 34 * random.NextDouble(), angle = 2 * Math.PI * random.NextDouble();
            return (Fx: Math.Cos(angle) / wavelength, Fy: Math.Sin(angle) / wavelength,
                Phase: 2 * Math.PI * random.NextDouble(), Amplitude: 10 + 10 * random.NextDouble());
        }).ToArray();
        double norm = parameters.Sum(p => p.Amplitude);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                double a = 0, b = 0;
                foreach (var p in parameters)
                {
                    a += p.Amplitude * Math.Cos(2 * Math.PI * (p.Fx * x + p.Fy * y) + p.Phase);
                    b += p.Amplitude * Math.Cos(2 * Math.PI * (p.Fx * (x - dx) + p.Fy * (y - dy)) + p.Phase);
                }
                previous[y * width + x] = (float)(127.5 + 110 * a / norm * 2.5);
                next[y * width + x] = (float)(127.5 + 110 * b / norm * 2.5);
            }
        return (tensor(previous, new long[] { 1, height, width }).clamp_(0, 255),
                tensor(next, new long[] { 1, height, width }).clamp_(0, 255));
    }

    /// <summary>Mean end-point error between flows <c>[N, 2, H, W]</c>, ignoring <paramref name="border"/> pixels on each side.</summary>
    public static double MeanEndPointError(Tensor flow, Tensor expected, int border = 0)
    {
        using var scope = NewDisposeScope();
        var error = (flow - expected).pow(2).sum(1).sqrt();
        if (border > 0)
            error = error.narrow(1, border, error.shape[1] - 2 * border).narrow(2, border, error.shape[2] - 2 * border);
        return error.mean().item<float>();
    }

    /// <summary>A flow <c>[N, 2, H, W]</c> equal to (dx, dy) everywhere.</summary>
    public static Tensor Constant(long n, long height, long width, double dx, double dy) =>
        stack(new[] { full(new[] { n, height, width }, dx), full(new[] { n, height, width }, dy) }, dim: 1);

    /// <summary>The path of a checked-in fixture file, copied next to the test assembly.</summary>
    public static string Fixture(params string[] parts) => Path.Combine(new[] { AppContext.BaseDirectory, "Fixtures" }.Concat(parts).ToArray());
}
