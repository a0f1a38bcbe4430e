using I3D.Net.Data;

namespace I3D.Net.Tool;

/// <summary><c>--shard K/N</c>, parsed by <see cref="DatasetShard.Parse(string)"/>.</summary>
internal static class ShardOption
{
    /// <summary>Parses <paramref name="text"/> (null: the whole dataset); returns the error message, or null when it is valid.</summary>
    public static string? TryParse(string? text, out DatasetShard shard)
    {
        shard = DatasetShard.Whole;
        if (text is null) return null;
        try
        {
            shard = DatasetShard.Parse(text);
            return null;
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return $"--shard: {e.Message}";
        }
    }
}
