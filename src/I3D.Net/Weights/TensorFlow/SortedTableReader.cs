using System.Buffers.Binary;

namespace I3D.Net.Weights.TensorFlow;

/// <summary>
/// Reads every key/value pair of a LevelDB-style sorted string table, the container of TensorFlow's
/// <c>.index</c> files: data blocks of prefix-compressed entries with restart points, an index block of block
/// handles, a 48-byte footer ending in a magic number, and a 5-byte trailer (compression type + masked CRC-32C)
/// after every block. All offsets are bounds-checked and every block's checksum is verified. Keys are
/// prefix-compressed (each shares bytes with the previous one), so a small file can describe huge keys: their lengths
/// and total are capped before any key is copied.
/// </summary>
internal static class SortedTableReader
{
    public const ulong Magic = 0xdb4775248b80fb57UL;
    public const int FooterLength = 48;
    public const int BlockTrailerLength = 5;
    private const byte NoCompression = 0;
    private const byte SnappyCompression = 1;
    private const int EntryOverheadBytes = 256;

    /// <summary>Reads all entries in key order.</summary>
    /// <param name="file">The whole table file.</param>
    /// <param name="path">The file name for error messages.</param>
    /// <param name="options">The key caps (<see cref="WeightsReadOptions.MaxIndexKeyBytes"/>, <see cref="WeightsReadOptions.MaxIndexTotalKeyBytes"/>); the defaults when null.</param>
    /// <exception cref="InvalidDataException">The table is truncated, corrupt, compressed or over a cap.</exception>
    public static List<KeyValuePair<byte[], byte[]>> ReadAll(byte[] file, string path, WeightsReadOptions? options = null)
    {
        var limits = new KeyLimits(options ?? WeightsReadOptions.Default);
        if (file.Length < FooterLength)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' is truncated: {file.Length} bytes, shorter than the {FooterLength}-byte table footer.");
        }

        var footer = file.AsSpan(file.Length - FooterLength);
        var magic = BinaryPrimitives.ReadUInt64LittleEndian(footer[40..]);
        if (magic != Magic)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' does not end with the table magic number (found 0x{magic:x16}); it is not a TensorFlow checkpoint index or it is truncated.");
        }

        var cursor = 0;
        _ = ReadHandle(footer, ref cursor, path, "metaindex");
        var index = ReadHandle(footer, ref cursor, path, "index");

        var entries = new List<KeyValuePair<byte[], byte[]>>();
        var tableEnd = file.Length - FooterLength;
        foreach (var (_, handleBytes) in ReadBlock(file, index, tableEnd, path, "index block", limits))
        {
            var handleCursor = 0;
            var dataHandle = ReadHandle(handleBytes, ref handleCursor, path, "data block");
            entries.AddRange(ReadBlock(file, dataHandle, tableEnd, path, $"data block at offset {dataHandle.Offset}", limits));
        }

        for (var i = 1; i < entries.Count; i++)
        {
            if (entries[i - 1].Key.AsSpan().SequenceCompareTo(entries[i].Key) >= 0)
            {
                throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: key '{Key(entries[i].Key)}' is not in sorted order.");
            }
        }

        return entries;
    }

    internal static string Key(byte[] key) => System.Text.Encoding.UTF8.GetString(key);

    private static readonly System.Text.UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>A key as a variable name; keys that are not UTF-8 are refused (two of them could decode to one name).</summary>
    internal static string VariableName(byte[] key, string path)
    {
        try
        {
            return StrictUtf8.GetString(key);
        }
        catch (System.Text.DecoderFallbackException)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: key '{Key(key)}' (hex {Convert.ToHexString(key.AsSpan(0, Math.Min(key.Length, 64)))}) is not valid UTF-8.");
        }
    }

    /// <summary>The key caps and what has been spent of the total.</summary>
    private sealed class KeyLimits(WeightsReadOptions options)
    {
        public int MaxKeyBytes { get; } = options.MaxIndexKeyBytes;

        public long MaxTotalBytes { get; } = options.MaxIndexTotalKeyBytes;

        public long TotalBytes { get; set; }
    }

    private static (long Offset, long Size) ReadHandle(ReadOnlySpan<byte> data, ref int cursor, string path, string what)
    {
        var offset = ReadVarint(data, ref cursor, path, what);
        var size = ReadVarint(data, ref cursor, path, what);
        if (offset > long.MaxValue || size > long.MaxValue)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: the {what} handle is out of range.");
        }

        return ((long)offset, (long)size);
    }

    private static List<KeyValuePair<byte[], byte[]>> ReadBlock(byte[] file, (long Offset, long Size) handle, long tableEnd, string path, string what, KeyLimits limits)
    {
        var (offset, size) = handle;
        if (offset < 0 || size < 0 || offset > tableEnd || size > tableEnd - offset - BlockTrailerLength)
        {
            throw new InvalidDataException(
                $"TensorFlow index '{path}' is truncated or corrupt: the {what} [{offset}, +{size}] plus its {BlockTrailerLength}-byte trailer runs past the {tableEnd}-byte table.");
        }

        var block = file.AsSpan((int)offset, (int)size);
        var type = file[offset + size];
        var storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan((int)(offset + size + 1), 4));
        var actualCrc = Crc32C.Mask(Crc32C.Compute(block, file.AsSpan((int)(offset + size), 1)));
        if (storedCrc != actualCrc)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: the {what} fails its CRC-32C check (stored 0x{storedCrc:x8}, computed 0x{actualCrc:x8}).");
        }

        if (type == SnappyCompression)
        {
            throw new InvalidDataException(
                $"TensorFlow index '{path}': the {what} is Snappy-compressed, which I3D.Net does not read; TensorFlow writes checkpoint indexes uncompressed, so re-save the checkpoint with tf.train.Saver or tf.train.Checkpoint.");
        }

        if (type != NoCompression)
        {
            throw new InvalidDataException($"TensorFlow index '{path}': the {what} has unknown compression type {type}.");
        }

        return ParseBlock(block, path, what, limits);
    }

    private static List<KeyValuePair<byte[], byte[]>> ParseBlock(ReadOnlySpan<byte> block, string path, string what, KeyLimits limits)
    {
        if (block.Length < 4)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: the {what} is {block.Length} bytes, too short for its restart count.");
        }

        var restarts = BinaryPrimitives.ReadUInt32LittleEndian(block[^4..]);
        if (restarts > (uint)(block.Length - 4) / 4)
        {
            throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: the {what} claims {restarts} restart points, more than fit in it.");
        }

        var entriesEnd = block.Length - 4 - (4 * (int)restarts);
        var result = new List<KeyValuePair<byte[], byte[]>>();
        var cursor = 0;
        var previous = Array.Empty<byte>();
        while (cursor < entriesEnd)
        {
            var entries = block[..entriesEnd];
            var shared = ReadVarint(entries, ref cursor, path, what);
            var nonShared = ReadVarint(entries, ref cursor, path, what);
            var valueLength = ReadVarint(entries, ref cursor, path, what);
            if (shared > (ulong)previous.Length)
            {
                throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: an entry in the {what} shares {shared} key bytes with a {previous.Length}-byte previous key.");
            }

            var remaining = (ulong)(entriesEnd - cursor);
            if (nonShared > remaining || valueLength > remaining - nonShared)
            {
                throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: an entry in the {what} runs past the end of the block.");
            }

            // Checked before the copy: each entry may re-share the whole previous key and add a byte (quadratic).
            var keyLength = (long)shared + (long)nonShared;
            if (keyLength > limits.MaxKeyBytes)
            {
                throw new InvalidDataException(
                    $"TensorFlow index '{path}' is corrupt: a key in the {what} is {keyLength} bytes, longer than the {limits.MaxKeyBytes}-byte limit (WeightsReadOptions.MaxIndexKeyBytes).");
            }

            // Each entry also costs its value, arrays and a variable description: charged as 256 bytes, so that a file
            // of millions of 3-byte entries is refused like one of long keys.
            limits.TotalBytes += keyLength + EntryOverheadBytes;
            if (limits.TotalBytes > limits.MaxTotalBytes)
            {
                throw new InvalidDataException(
                    $"TensorFlow index '{path}': its keys add up to more than {limits.MaxTotalBytes} bytes (WeightsReadOptions.MaxIndexTotalKeyBytes); the file is corrupt or hostile, or raise the limit for an index you trust.");
            }

            var key = new byte[keyLength];
            previous.AsSpan(0, (int)shared).CopyTo(key);
            entries.Slice(cursor, (int)nonShared).CopyTo(key.AsSpan((int)shared));
            cursor += (int)nonShared;
            var value = entries.Slice(cursor, (int)valueLength).ToArray();
            cursor += (int)valueLength;
            result.Add(new(key, value));
            previous = key;
        }

        return result;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int cursor, string path, string what)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (cursor >= data.Length)
            {
                throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: a varint in the {what} runs past its end.");
            }

            var b = data[cursor++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new InvalidDataException($"TensorFlow index '{path}' is corrupt: a varint in the {what} is longer than 10 bytes.");
    }
}
