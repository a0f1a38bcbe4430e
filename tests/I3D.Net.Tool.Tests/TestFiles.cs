using I3D.Net.Models;
using I3D.Net.Weights;
using OpenCvSharp;
using TorchSharp;

namespace I3D.Net.Tool.Tests;

/// <summary>A temporary folder per test, with generated videos, datasets and model files.</summary>
internal sealed class TestFiles : IDisposable
{
    public TestFiles() => Root = Directory.CreateTempSubdirectory("i3d-tool-tests-").FullName;

    public string Root { get; }

    public string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    /// <summary>
    /// Writes an MJPG video of a smooth random texture (seeded) translating by a per-video speed, so its flow is not
    /// zero and differs between videos.
    /// </summary>
    public string Video(string relative, int frames = 8, int seed = 0, int width = 48, int height = 32)
    {
        var path = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
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
        return path;
    }

    /// <summary>Writes <paramref name="count"/> videos <c>&lt;class&gt;/v&lt;i&gt;.avi</c> under <paramref name="folder"/>.</summary>
    public List<string> Dataset(string folder, int count, int frames = 6, string[]? classes = null)
    {
        classes ??= ["walk", "run", "jump"];
        return Enumerable.Range(0, count).Select(i => Video(System.IO.Path.Combine(folder, classes[i % classes.Length], $"v{i:D2}.avi"), frames, seed: i)).ToList();
    }

    /// <summary>A seeded RGB <see cref="InceptionI3D"/> of <paramref name="classes"/> saved as safetensors with its class names.</summary>
    public string RgbModel(string name, params string[] classes)
    {
        var path = Path(name);
        torch.manual_seed(3);
        using var model = new InceptionI3D(classes.Length);
        Checkpoints.Save(model, path, classes);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open on a slow machine is left to the OS's temp cleanup.
        }
    }
}
