using System.Security.Cryptography;
using I3D.Net.Testing;

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
    public static void MovingVideo(string path, int frames, int seed, int width = 48, int height = 32) =>
        MovingTextureVideo.Write(path, frames, seed, width, height);

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
