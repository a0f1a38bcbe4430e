using System.Buffers.Binary;
using System.Text;
using I3D.Net.Weights.TensorFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.TensorFlow;

/// <summary>
/// Writes TensorFlow V2 checkpoints (tensor bundles) the way TensorFlow lays them out: a LevelDB-style table for the
/// index (prefix-compressed keys, restart points, several data blocks, CRC-32C block trailers, footer with magic) and
/// raw little-endian data shards. Tests use it to exercise the reader's data path, including hostile variants.
/// </summary>
internal static class TestBundleWriter
{
    /// <summary>One index entry as it will be encoded; tests may alter it to produce hostile files.</summary>
    public sealed record Entry(string Name, int DataType, long[] Shape, int Shard, long Offset, long Size, uint MaskedCrc);

    /// <summary>Writes <paramref name="tensors"/> as checkpoint <paramref name="prefix"/>.</summary>
    public static void Write(
        string prefix,
        IReadOnlyDictionary<string, Tensor> tensors,
        int shards = 1,
        Func<string, int>? shardOf = null,
        Func<Entry, Entry>? alter = null,
        int blockSize = 1024,
        byte compression = 0)
    {
        var offsets = new long[shards];
        var files = Enumerable.Range(0, shards).Select(s => new MemoryStream()).ToArray();
        var entries = new List<Entry>();
        foreach (var (name, value) in tensors.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var shard = shardOf?.Invoke(name) ?? 0;
            using var contiguous = value.contiguous();
            var bytes = contiguous.bytes.ToArray();
            files[shard].Write(bytes);
            var crc = Crc32C.Mask(Crc32C.Compute(bytes));
            var entry = new Entry(name, DataTypeOf(value.dtype), value.shape, shard, offsets[shard], bytes.Length, crc);
            entries.Add(alter?.Invoke(entry) ?? entry);
            offsets[shard] += bytes.Length;
        }

        for (var s = 0; s < shards; s++)
        {
            File.WriteAllBytes($"{prefix}.data-{s:D5}-of-{shards:D5}", files[s].ToArray());
        }

        var records = new List<(byte[] Key, byte[] Value)> { ([], EncodeHeader(shards)) };
        records.AddRange(entries.Select(e => (Encoding.UTF8.GetBytes(e.Name), EncodeEntry(e))));
        File.WriteAllBytes(prefix + ".index", WriteTable(records, blockSize, compression));
    }

    public static int DataTypeOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => 1,
        ScalarType.Float64 => 2,
        ScalarType.Int32 => 3,
        ScalarType.Int64 => 9,
        ScalarType.Float16 => 19,
        ScalarType.BFloat16 => 14,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static byte[] EncodeHeader(int shards)
    {
        var m = new MemoryStream();
        Tag(m, 1, 0);
        Varint(m, (ulong)shards);
        Tag(m, 3, 2);
        var version = new MemoryStream();
        Tag(version, 1, 0);
        Varint(version, 1);
        Varint(m, (ulong)version.Length);
        m.Write(version.ToArray());
        return m.ToArray();
    }

    public static byte[] EncodeEntry(Entry e)
    {
        var m = new MemoryStream();
        Tag(m, 1, 0);
        Varint(m, (ulong)e.DataType);
        var shape = new MemoryStream();
        foreach (var d in e.Shape)
        {
            var dim = new MemoryStream();
            Tag(dim, 1, 0);
            Varint(dim, (ulong)d);
            Tag(shape, 2, 2);
            Varint(shape, (ulong)dim.Length);
            shape.Write(dim.ToArray());
        }

        Tag(m, 2, 2);
        Varint(m, (ulong)shape.Length);
        m.Write(shape.ToArray());
        if (e.Shard != 0)
        {
            Tag(m, 3, 0);
            Varint(m, (ulong)e.Shard);
        }

        if (e.Offset != 0)
        {
            Tag(m, 4, 0);
            Varint(m, (ulong)e.Offset);
        }

        Tag(m, 5, 0);
        Varint(m, (ulong)e.Size);
        Tag(m, 6, 5);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, e.MaskedCrc);
        m.Write(crc);
        return m.ToArray();
    }

    /// <summary>A LevelDB table: data blocks of at most ~<paramref name="blockSize"/> bytes, an empty metaindex, an index block and the footer.</summary>
    public static byte[] WriteTable(IReadOnlyList<(byte[] Key, byte[] Value)> records, int blockSize, byte compression = 0)
    {
        var file = new MemoryStream();
        var index = new List<(byte[] Key, byte[] Value)>();
        var pending = new List<(byte[] Key, byte[] Value)>();
        void Flush()
        {
            if (pending.Count == 0)
            {
                return;
            }

            var (offset, size) = WriteBlock(file, BuildBlock(pending, restartInterval: 4), compression);
            index.Add((pending[^1].Key, Handle(offset, size)));
            pending.Clear();
        }

        var current = 0;
        foreach (var record in records)
        {
            pending.Add(record);
            current += record.Key.Length + record.Value.Length + 3;
            if (current >= blockSize)
            {
                Flush();
                current = 0;
            }
        }

        Flush();
        var meta = WriteBlock(file, BuildBlock([], restartInterval: 1), compression);
        var idx = WriteBlock(file, BuildBlock(index, restartInterval: 1), compression);
        var footer = new byte[SortedTableReaderConstants.FooterLength];
        var footerStream = new MemoryStream();
        footerStream.Write(Handle(meta.Offset, meta.Size));
        footerStream.Write(Handle(idx.Offset, idx.Size));
        footerStream.ToArray().CopyTo(footer, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer.AsSpan(40), SortedTableReaderConstants.Magic);
        file.Write(footer);
        return file.ToArray();
    }

    /// <summary>
    /// A table with one hand-made data block (entries, restart array and count already encoded) and an index entry
    /// keyed <paramref name="indexKey"/>, for hostile tests that need entries the writer would never produce.
    /// </summary>
    public static byte[] WriteRawTable(byte[] dataBlock, byte[] indexKey)
    {
        var file = new MemoryStream();
        var data = WriteBlock(file, dataBlock, 0);
        var meta = WriteBlock(file, BuildBlock([], restartInterval: 1), 0);
        var idx = WriteBlock(file, BuildBlock([(indexKey, Handle(data.Offset, data.Size))], restartInterval: 1), 0);
        var footer = new byte[SortedTableReaderConstants.FooterLength];
        var handles = new MemoryStream();
        handles.Write(Handle(meta.Offset, meta.Size));
        handles.Write(Handle(idx.Offset, idx.Size));
        handles.ToArray().CopyTo(footer, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(footer.AsSpan(40), SortedTableReaderConstants.Magic);
        file.Write(footer);
        return file.ToArray();
    }

    /// <summary>Appends <paramref name="value"/> as a base-128 varint (public for hand-made blocks).</summary>
    public static void WriteVarint(Stream s, ulong value) => Varint(s, value);

    private static byte[] BuildBlock(IReadOnlyList<(byte[] Key, byte[] Value)> records, int restartInterval)
    {
        var block = new MemoryStream();
        var restarts = new List<int>();
        var previous = Array.Empty<byte>();
        for (var i = 0; i < records.Count; i++)
        {
            var (key, value) = records[i];
            var shared = 0;
            if (i % restartInterval == 0)
            {
                restarts.Add((int)block.Length);
            }
            else
            {
                while (shared < previous.Length && shared < key.Length && previous[shared] == key[shared])
                {
                    shared++;
                }
            }

            Varint(block, (ulong)shared);
            Varint(block, (ulong)(key.Length - shared));
            Varint(block, (ulong)value.Length);
            block.Write(key.AsSpan(shared));
            block.Write(value);
            previous = key;
        }

        if (restarts.Count == 0)
        {
            restarts.Add(0);
        }

        Span<byte> word = stackalloc byte[4];
        foreach (var r in restarts)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)r);
            block.Write(word);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(word, (uint)restarts.Count);
        block.Write(word);
        return block.ToArray();
    }

    private static (long Offset, long Size) WriteBlock(MemoryStream file, byte[] block, byte compression)
    {
        var offset = file.Length;
        file.Write(block);
        file.WriteByte(compression);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(crc, Crc32C.Mask(Crc32C.Compute(block, [compression])));
        file.Write(crc);
        return (offset, block.Length);
    }

    private static byte[] Handle(long offset, long size)
    {
        var m = new MemoryStream();
        Varint(m, (ulong)offset);
        Varint(m, (ulong)size);
        return m.ToArray();
    }

    private static void Tag(Stream s, int field, int wire) => Varint(s, (ulong)((field << 3) | wire));

    private static void Varint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }

        s.WriteByte((byte)value);
    }

    private static class SortedTableReaderConstants
    {
        public const int FooterLength = 48;
        public const ulong Magic = 0xdb4775248b80fb57UL;
    }
}
