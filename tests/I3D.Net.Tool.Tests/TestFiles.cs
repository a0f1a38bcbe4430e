using I3D.Net.Models;
using I3D.Net.Weights;
using I3D.Net.Testing;
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
        MovingTextureVideo.Write(path, frames, seed, width, height);
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
