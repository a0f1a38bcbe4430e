using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace I3D.Net.Data;

/// <summary>
/// One of <see cref="Count"/> disjoint parts of a dataset, written <c>K/N</c> (1 ≤ K ≤ N), so that N independent
/// processes (a Slurm array job, a Kubernetes Indexed Job, N terminals) together process every item exactly once.
/// </summary>
/// <remarks>
/// An item belongs to shard <c>K/N</c> when <c>XxHash64(path) % N == K − 1</c>, where <c>path</c> is the item's path
/// relative to the dataset root with <c>/</c> separators, encoded as UTF-8, compared case-sensitively, and XxHash64 is
/// the 64-bit xxHash with seed 0 (<see cref="XxHash64"/>). The hash depends on nothing but the path: not on the other
/// items, their order, the process, the machine or the .NET version. Adding or removing other items therefore never
/// moves an item to another shard, and any tool that computes xxHash64 (Python's <c>xxhash.xxh64_intdigest</c>) can
/// reproduce the partition.
/// </remarks>
public sealed record DatasetShard : IParsable<DatasetShard>
{
    /// <summary>Creates shard <paramref name="index"/> of <paramref name="count"/>.</summary>
    /// <param name="index">The 1-based shard number K.</param>
    /// <param name="count">The number of shards N.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1, or <paramref name="index"/> is not in 1…<paramref name="count"/>.</exception>
    public DatasetShard(int index, int count)
    {
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"A dataset shard needs a shard count N of at least 1; found {count}.");
        if (index < 1 || index > count)
            throw new ArgumentOutOfRangeException(nameof(index), index,
                $"A dataset shard K/N needs 1 ≤ K ≤ N; found K = {index} with N = {count} (shards are numbered from 1).");
        Index = index;
        Count = count;
    }

    /// <summary>The whole dataset: shard 1/1, which contains every item.</summary>
    public static DatasetShard Whole { get; } = new(1, 1);

    /// <summary>The 1-based shard number K.</summary>
    public int Index { get; }

    /// <summary>The number of shards N.</summary>
    public int Count { get; }

    /// <summary>Whether this is <see cref="Whole"/> (one shard).</summary>
    public bool IsWhole => Count == 1;

    /// <summary>Whether the item at <paramref name="relativePath"/> (relative to the dataset root) belongs to this shard.</summary>
    /// <param name="relativePath">The item's path relative to the dataset root, e.g. <c>train/walk/clip0.mp4</c>; <c>\</c> counts as <c>/</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="relativePath"/> is null, empty or absolute.</exception>
    public bool Contains(string relativePath) => Count == 1 ? Validated(relativePath) : IndexOf(relativePath, Count) == Index;

    /// <summary>The 1-based shard of <paramref name="count"/> that the item at <paramref name="relativePath"/> belongs to.</summary>
    /// <exception cref="ArgumentException"><paramref name="relativePath"/> is null, empty or absolute.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is below 1.</exception>
    public static int IndexOf(string relativePath, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        return (int)(Hash(relativePath) % (ulong)count) + 1;
    }

    /// <summary>The 64-bit hash that places an item: xxHash64 (seed 0) of its UTF-8 relative path with <c>/</c> separators.</summary>
    /// <exception cref="ArgumentException"><paramref name="relativePath"/> is null, empty or absolute.</exception>
    public static ulong Hash(string relativePath)
    {
        Validated(relativePath);
        return XxHash64.HashToUInt64(Encoding.UTF8.GetBytes(Normalize(relativePath)));
    }

    /// <summary>The path as it is hashed: <c>\</c> replaced by <c>/</c> (Windows and POSIX paths of an item agree).</summary>
    public static string Normalize(string relativePath)
    {
        Validated(relativePath);
        return relativePath.Replace('\\', '/');
    }

    /// <summary>Parses <c>K/N</c>, e.g. <c>3/8</c> (spaces around the numbers are allowed).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="FormatException"><paramref name="text"/> is not two whole numbers separated by <c>/</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The numbers are not 1 ≤ K ≤ N.</exception>
    public static DatasetShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!TryParseNumbers(text, out var index, out var count))
            throw new FormatException($"A dataset shard is written K/N with whole numbers 1 ≤ K ≤ N (e.g. 3/8); found '{text}'.");
        if (count < 1 || index < 1 || index > count)
            throw new ArgumentOutOfRangeException(nameof(text), text,
                $"A dataset shard K/N needs 1 ≤ K ≤ N (shards are numbered from 1); found '{text}'.");
        return new DatasetShard(index, count);
    }

    /// <summary>Parses <c>K/N</c> as <see cref="Parse(string)"/> does; <paramref name="provider"/> is ignored (the numbers are invariant).</summary>
    public static DatasetShard Parse(string s, IFormatProvider? provider) => Parse(s);

    /// <summary>Parses <c>K/N</c>; false (and null) when <paramref name="text"/> is not a valid shard.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, [MaybeNullWhen(false)] out DatasetShard result)
    {
        result = null;
        if (text is null || !TryParseNumbers(text, out var index, out var count) || count < 1 || index < 1 || index > count)
            return false;
        result = new DatasetShard(index, count);
        return true;
    }

    /// <summary>Parses <c>K/N</c> as <see cref="TryParse(string?, out DatasetShard)"/> does; <paramref name="provider"/> is ignored.</summary>
    public static bool TryParse([NotNullWhen(true)] string? s, IFormatProvider? provider, [MaybeNullWhen(false)] out DatasetShard result) =>
        TryParse(s, out result);

    /// <summary><c>K/N</c>, e.g. <c>3/8</c>; <see cref="Parse(string)"/> reads it back.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    private static bool TryParseNumbers(string text, out int index, out int count)
    {
        index = count = 0;
        var slash = text.IndexOf('/');
        if (slash < 0 || text.IndexOf('/', slash + 1) >= 0)
            return false;
        const NumberStyles style = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite;
        return int.TryParse(text.AsSpan(0, slash), style, CultureInfo.InvariantCulture, out index)
            && int.TryParse(text.AsSpan(slash + 1), style, CultureInfo.InvariantCulture, out count);
    }

    private static bool Validated(string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        // An absolute path would hash differently on every machine that mounts the dataset elsewhere.
        if (relativePath[0] is '/' or '\\' || (relativePath.Length > 1 && relativePath[1] == ':'))
            throw new ArgumentException(
                $"A dataset shard places items by their path relative to the dataset root (e.g. 'train/walk/clip0.mp4'); found the absolute path '{relativePath}'.",
                nameof(relativePath));
        return true;
    }
}
