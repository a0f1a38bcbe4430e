using System.Buffers.Binary;
using System.IO.Compression;
using I3D.Net.Tests.Weights;

namespace I3D.Net.Tests.Hostile;

/// <summary>Generators of hostile or corrupt weight files (issue 14): small files that ask the readers for too much.</summary>
internal static class WeightsHostileFiles
{
    /// <summary>A zip <c>.pt</c> the way torch.save lays it out: <c>archive/data.pkl</c> and <c>archive/data/&lt;key&gt;</c>.</summary>
    public static byte[] ZipPt(byte[] pickle, params (string Key, byte[] Data)[] storages)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
        {
            Entry(zip, "archive/data.pkl", pickle);
            foreach (var (key, data) in storages) Entry(zip, "archive/data/" + key, data);
            Entry(zip, "archive/version", "3\n"u8.ToArray());
        }
        return ms.ToArray();

        static void Entry(ZipArchive zip, string name, byte[] data)
        {
            using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
            s.Write(data);
        }
    }

    /// <summary>A state-dict pickle of one float tensor <paramref name="key"/> viewing storage "0" of <paramref name="numel"/> floats.</summary>
    public static byte[] OneTensorPickle(string key, long numel, long[] size, long[] stride, long offset = 0, bool legacy = false) =>
        new PickleBuilder().Proto().BeginDict().Str(key)
            .Tensor("FloatStorage", "0", numel, offset, size, stride, legacyView: legacy).EndDict().ToArray();

    /// <summary>
    /// A legacy (pre-1.6) <c>.pt</c>: the magic number, protocol 1001, system info, <paramref name="body"/>, the list of
    /// storage keys, then each storage as an int64 element count and its bytes.
    /// </summary>
    public static byte[] LegacyPt(byte[] body, params (string Key, long Numel, byte[] Data)[] storages)
    {
        var ms = new MemoryStream();
        // Magic 0x1950a86a20f9469cfc6c as LONG1, then the version 1001.
        ms.Write([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, (byte)'.']);
        ms.Write(new PickleBuilder().Proto().Int(1001).Op('.').ToArray());
        ms.Write(new PickleBuilder().Proto().Op('}').Op('(').Str("protocol_version").Int(1001).Str("little_endian").Op(0x88)
            .Op('u').Op('.').ToArray());
        ms.Write(body);
        var keys = new PickleBuilder().Proto().Op('(');
        foreach (var (key, _, _) in storages) keys.Str(key);
        ms.Write(keys.Op('l').Op('.').ToArray());
        Span<byte> count = stackalloc byte[8];
        foreach (var (_, numel, data) in storages)
        {
            BinaryPrimitives.WriteInt64LittleEndian(count, numel);
            ms.Write(count);
            ms.Write(data);
        }
        return ms.ToArray();
    }

    /// <summary>Little-endian bytes of <paramref name="values"/>.</summary>
    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }
}
