using OpenCvSharp;

namespace I3D.Net.Testing;

/// <summary>
/// Generated test videos that move: a smooth random texture (six cosine waves, seeded) translating by a per-video
/// speed, so optical flow is not zero and differs between videos. Linked into every test project that needs one.
/// </summary>
internal static class MovingTextureVideo
{
    /// <summary>Writes an MJPG video of <paramref name="frames"/> frames at 25 fps to <paramref name="path"/> (folders created).</summary>
    /// <exception cref="InvalidOperationException">OpenCV cannot write MJPG here.</exception>
    public static void Write(string path, int frames, int seed, int width = 48, int height = 32)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var waves = Enumerable.Range(0, 6).Select(_ => (Fx: random.NextDouble() * 0.3, Fy: random.NextDouble() * 0.3, Phase: random.NextDouble() * 6.28)).ToArray();
        double dx = 0.5 + random.NextDouble() * 2, dy = random.NextDouble() * 1.5 - 0.75;
        using var writer = new VideoWriter(path, FourCC.MJPG, 25, new Size(width, height));
        if (!writer.IsOpened())
            throw new InvalidOperationException($"OpenCV cannot write MJPG '{path}' here.");
        var pixels = new byte[height * width * 3];
        for (var t = 0; t < frames; t++)
        {
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    for (var c = 0; c < 3; c++)
                    {
                        double v = 0;
                        foreach (var w in waves)
                            v += Math.Cos(w.Fx * (x - dx * t) + w.Fy * (y - dy * t) + w.Phase + c);
                        pixels[(y * width + x) * 3 + c] = (byte)Math.Clamp(128 + 20 * v, 0, 255);
                    }
            using var frame = Mat.FromPixelData(height, width, MatType.CV_8UC3, pixels);
            writer.Write(frame);
        }
    }
}
