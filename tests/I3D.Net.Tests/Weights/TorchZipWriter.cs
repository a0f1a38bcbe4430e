using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>
/// Test helper: writes a state dict the way <c>torch.save(state_dict, path)</c> does (zip with a protocol-2
/// <c>data.pkl</c> and one raw storage per tensor), so tests can make PyTorch files without Python.
/// Checked against PyTorch 1.13's <c>torch.load</c> when it was written.
/// </summary>
internal static class TorchZipWriter
{
    static readonly Dictionary<ScalarType, string> StorageNames = new()
    {
        [ScalarType.Float32] = "FloatStorage",
        [ScalarType.Float64] = "DoubleStorage",
        [ScalarType.Float16] = "HalfStorage",
        [ScalarType.Int64] = "LongStorage",
    };

    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> stateDict, string path)
    {
        using var file = File.Create(path);
        Save(stateDict, file);
    }

    public static void Save(IEnumerable<KeyValuePair<string, Tensor>> stateDict, Stream stream)
    {
        var items = stateDict.ToList();
        using var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        var pkl = new MemoryStream();
        pkl.Write([0x80, 0x02]);
        Global(pkl, "collections", "OrderedDict");
        pkl.WriteByte((byte)')');
        pkl.WriteByte((byte)'R');
        pkl.WriteByte((byte)'(');
        for (int i = 0; i < items.Count; i++)
        {
            var (key, tensor) = items[i];
            var t = tensor.detach().cpu().contiguous();
            Str(pkl, key);
            Global(pkl, "torch._utils", "_rebuild_tensor_v2");
            pkl.WriteByte((byte)'(');
            // persistent id: ('storage', torch.XStorage, key, 'cpu', numel)
            pkl.WriteByte((byte)'(');
            Str(pkl, "storage");
            Global(pkl, "torch", StorageNames[t.dtype]);
            Str(pkl, i.ToString());
            Str(pkl, "cpu");
            Int(pkl, t.numel());
            pkl.WriteByte((byte)'t');
            pkl.WriteByte((byte)'Q');
            Int(pkl, 0); // storage offset
            Tuple(pkl, t.shape);
            Tuple(pkl, t.stride());
            pkl.WriteByte(0x89); // requires_grad False
            Global(pkl, "collections", "OrderedDict");
            pkl.WriteByte((byte)')');
            pkl.WriteByte((byte)'R');
            pkl.WriteByte((byte)'t');
            pkl.WriteByte((byte)'R');

            using var entry = zip.CreateEntry($"archive/data/{i}", CompressionLevel.NoCompression).Open();
            if (t.numel() > 0) entry.Write(t.bytes);
        }
        pkl.WriteByte((byte)'u');
        pkl.WriteByte((byte)'.');
        using (var e = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open()) e.Write(pkl.ToArray());
        using (var e = zip.CreateEntry("archive/version", CompressionLevel.NoCompression).Open()) e.Write("3\n"u8);
    }

    static void Global(Stream s, string module, string name) => s.Write(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    static void Str(Stream s, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        s.WriteByte((byte)'X');
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
        s.Write(len);
        s.Write(bytes);
    }

    static void Int(Stream s, long v)
    {
        if (v is >= 0 and < 256) { s.WriteByte((byte)'K'); s.WriteByte((byte)v); return; }
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            s.WriteByte((byte)'J');
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            s.Write(b);
            return;
        }
        s.WriteByte(0x8a);
        s.WriteByte(8);
        Span<byte> l = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(l, v);
        s.Write(l);
    }

    static void Tuple(Stream s, long[] values)
    {
        s.WriteByte((byte)'(');
        foreach (var v in values) Int(s, v);
        s.WriteByte((byte)'t');
    }
}
