using I3D.Net.Flow;

namespace I3D.Net.Tool;

/// <summary><c>--shard K/N</c>.</summary>
internal static class ShardOption
{
    /// <summary>Parses <paramref name="text"/>; returns the error message, or null when it is valid (or absent).</summary>
    public static string? TryParse(string? text, out (int Index, int Count)? shard)
    {
        shard = null;
        if (text is null) return null;
        var parts = text.Split('/');
        if (parts.Length == 2 && int.TryParse(parts[0], out var k) && int.TryParse(parts[1], out var n) && n >= 1 && k >= 1 && k <= n)
        {
            shard = (k, n);
            return null;
        }
        return $"--shard must be K/N with 1 <= K <= N (e.g. 3/8); found '{text}'.";
    }

    /// <summary>The options with the shard set.</summary>
    public static FlowExtractionOptions Apply(FlowExtractionOptions options, (int Index, int Count)? shard) =>
        shard is null ? options : throw new UsageException("--shard needs the library's dataset sharding, which this build lacks.");
}
