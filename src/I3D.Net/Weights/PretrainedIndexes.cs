using System.Security.Cryptography;

namespace I3D.Net.Weights;

/// <summary>
/// The published kinetics-i3d checkpoint indexes shipped inside I3D.Net.dll (embedded resources, Apache-2.0, see
/// Weights/Resources/NOTICE.md), found by SHA-256: the trust anchor every downloaded data shard is checked against.
/// </summary>
internal static class PretrainedIndexes
{
    const string ResourcePrefix = "I3D.Net.Weights.Resources.checkpoints.";

    static readonly Lazy<IReadOnlyDictionary<string, byte[]>> Shipped = new(Load);

    /// <summary>The shipped index whose SHA-256 is <paramref name="sha256"/>, if one is.</summary>
    public static bool TryGet(string sha256, out byte[] bytes)
    {
        if (Shipped.Value.TryGetValue(sha256.ToLowerInvariant(), out var entry))
        {
            bytes = entry;
            return true;
        }

        bytes = [];
        return false;
    }

    static IReadOnlyDictionary<string, byte[]> Load()
    {
        var assembly = typeof(PretrainedIndexes).Assembly;
        var result = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            result[Convert.ToHexStringLower(SHA256.HashData(bytes))] = bytes;
        }

        return result;
    }
}
