using System.Security.Cryptography;
using OpenCvSharp;

namespace I3D.Net.Tests.Sharding;

/// <summary>Tiny generated datasets whose videos move (so flow and features differ per video), and tree snapshots.</summary>
internal static class ShardTestData
{
    public static readonly string[] Classes = ["walk", "run", "jump"];

    /// <summary>
    /// Writes <paramref name="count"/> MJPG videos <c>&lt;class&gt;/v&lt;i&gt;.avi</c> under <paramref name="root"/>: a smooth
    /// random texture (seeded by the index) translating by a per-video speed, 48×32, <paramref name="frames"/> frames.
    /// </summary>
    public static List<string> Dataset(string root, int count, int frames = 5, int firstIndex = 0)
    {
        var videos = new List<string>();
        for (var i = firstIndex; i < firstIndex + count; i++)
        {
            var path = Path.Combine(root, Classes[i % Classes.Length], $"v{i:D3}.avi");
            MovingVideo(path, frames, seed: i);
            videos.Add(path);
        }
        return videos;
    }

    /// <summary>Writes one moving-texture video (see <see cref="Dataset"/>).</summary>
    public static void MovingVideo(string path, int frames, int seed, int width = 48, int height = 32)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var waves = Enumerable.Range(0, 6).Select(_ => (Fx: random.NextDouble() * 0.3, Fy: random.NextDouble() * 0.3, Phase: random.NextDouble() * 6.28, Channel: random.Next(3))).ToArray();
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

    /// <summary>Every file under <paramref name="root"/>: relative path → (SHA-256 of the bytes, last write time).</summary>
    public static Dictionary<string, (string Hash, DateTime Written)> Snapshot(string root) =>
        Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToDictionary(
                f => Path.GetRelativePath(root, f),
                f => (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))), File.GetLastWriteTimeUtc(f)))
            : [];

    /// <summary>Every file under <paramref name="root"/>: relative path → SHA-256 of the bytes.</summary>
    public static Dictionary<string, string> Contents(string root) => Snapshot(root).ToDictionary(kv => kv.Key, kv => kv.Value.Hash);
}
