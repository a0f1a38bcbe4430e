using System.IO.Compression;
using System.Text;
using FluentAssertions;
using I3D.Net.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>NumPy .npz state dicts, written here the way numpy.savez lays them out (a zip of &lt;key&gt;.npy).</summary>
public sealed class NumPyZipTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>An .npy array as numpy writes it: magic, version 1.0, a space-padded dict header ending in a newline, the data.</summary>
    internal static byte[] Npy(string descr, long[] shape, byte[] data, bool fortran = false, string? header = null)
    {
        var dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        header ??= $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': ({dims}), }}";
        var total = 10 + header.Length + 1;
        header = header.PadRight(header.Length + (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.AddRange(new byte[] { 1, 0 });
        bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(data);
        return bytes.ToArray();
    }

    internal static byte[] Npy(Tensor t)
    {
        var descr = t.dtype switch
        {
            ScalarType.Float32 => "<f4", ScalarType.Float64 => "<f8", ScalarType.Int64 => "<i8", ScalarType.Bool => "|b1",
            ScalarType.Float16 => "<f2", ScalarType.Byte => "|u1", _ => throw new NotSupportedException(t.dtype.ToString()),
        };
        using var c = t.contiguous();
        return Npy(descr, t.shape, c.bytes.ToArray());
    }

    private string Npz(IEnumerable<(string Name, byte[] Bytes)> entries, CompressionLevel level = CompressionLevel.NoCompression, string name = "w.npz")
    {
        var path = _temp.File(name);
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
            foreach (var (entry, bytes) in entries)
            {
                using var s = zip.CreateEntry(entry, level).Open();
                s.Write(bytes);
            }
        return path;
    }

    [Fact]
    public void A_state_dict_saved_as_npz_is_detected_read_and_loaded_into_a_module()
    {
        using var scope = NewDisposeScope();
        using var source = new TinyConvBnNet();
        using (no_grad()) source.state_dict()["bn.running_mean"].copy_(randn(4));
        var path = Npz(source.state_dict().Select(p => (p.Key + ".npy", Npy(p.Value))), CompressionLevel.Optimal);

        Checkpoints.DetectFormat(path).Should().Be(CheckpointFormat.NumPyZip);
        var sd = Checkpoints.LoadStateDict(path);
        sd.Keys.Should().BeEquivalentTo(source.state_dict().Keys);
        sd["bn.num_batches_tracked"].dtype.Should().Be(ScalarType.Int64);

        using var target = new TinyConvBnNet();
        Checkpoints.Load(target, path).Missing.Should().BeEmpty();
        foreach (var (key, value) in source.state_dict())
            target.state_dict()[key].eq(value).all().item<bool>().Should().BeTrue(key);
    }

    [Fact]
    public void Fortran_order_float16_bool_and_scalar_arrays_keep_their_values()
    {
        using var scope = NewDisposeScope();
        var m = arange(6, ScalarType.Float32).reshape(2, 3);
        var fortranBytes = m.t().contiguous().bytes.ToArray(); // column-major data of m
        var path = Npz(
        [
            ("m.npy", Npy("<f4", [2, 3], fortranBytes, fortran: true)),
            ("h.npy", Npy(tensor(new[] { 1.5f, -2f }).to(ScalarType.Float16))),
            ("b.npy", Npy(tensor(new[] { true, false, true }))),
            ("s.npy", Npy("<f8", [], BitConverter.GetBytes(2.25))),
        ]);
        var sd = Checkpoints.LoadStateDict(path);
        sd["m"].eq(m).all().item<bool>().Should().BeTrue();
        sd["h"].to(ScalarType.Float32).eq(tensor(new[] { 1.5f, -2f })).all().item<bool>().Should().BeTrue();
        sd["b"].dtype.Should().Be(ScalarType.Bool);
        sd["s"].ndim.Should().Be(0);
        sd["s"].item<double>().Should().Be(2.25);
    }

    public static TheoryData<string, string> HostileArrays => new()
    {
        { "shape-mismatch", "*key 'conv.weight'*shape (2, 3) of <f4 needs 24 bytes, but the array holds 20*" },
        { "huge-shape", "*key 'conv.weight'*more than 2^63*" },
        { "big-endian", "*key 'conv.weight'*'>f4'*big-endian*" },
        { "object", "*key 'conv.weight'*'|O'*unpickling*" },
        { "bad-magic", "*key 'conv.weight'*not an .npy array*" },
        { "header-too-long", "*key 'conv.weight'*header claims 65000 bytes*" },
        { "not-a-dict", "*key 'conv.weight'*header is not a*" },
    };

    [Theory]
    [MemberData(nameof(HostileArrays))]
    public void A_hostile_array_is_refused_naming_the_key(string kind, string message)
    {
        var data = new byte[20];
        byte[] npy = kind switch
        {
            "shape-mismatch" => Npy("<f4", [2, 3], data),
            "huge-shape" => Npy("<f4", [1L << 40, 1L << 40], data),
            "big-endian" => Npy(">f4", [5], data),
            "object" => Npy("|O", [5], data),
            "bad-magic" => Encoding.ASCII.GetBytes("not numpy at all, just text"),
            "header-too-long" => [0x93, .. "NUMPY"u8.ToArray(), 2, 0, .. BitConverter.GetBytes(65000), .. new byte[64]],
            "not-a-dict" => Npy("<f4", [5], data, header: "__import__('os').system('true')"),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var path = Npz([("conv.weight.npy", npy)], name: kind + ".npz");
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(path))
            .Should().Throw<InvalidDataException>().WithMessage(message).Which.Message.Should().Contain(path);
    }

    [Fact]
    public void A_decompression_bomb_a_corrupt_entry_and_a_foreign_entry_are_refused_before_or_when_reading()
    {
        var zeros = Npy("<f4", [1 << 20], new byte[4 << 20]);
        var bomb = Npz([("a.npy", zeros)], CompressionLevel.SmallestSize, "bomb.npz");
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(bomb))
            .Should().Throw<InvalidDataException>().WithMessage("*key 'a'*MaxZipCompressionRatio*");
        // Raising the limit for a trusted file reads it.
        using (var sd = new DisposableDict(Checkpoints.LoadStateDict(bomb, new WeightsReadOptions { MaxZipCompressionRatio = 100_000 })))
            sd.Value["a"].shape.Should().Equal(1 << 20);

        using var scope = NewDisposeScope();
        var path = Npz([("a.npy", Npy(arange(64, ScalarType.Float32)))], name: "flip.npz");
        var bytes = File.ReadAllBytes(path);
        var at = Array.LastIndexOf(bytes, (byte)0x42); // a byte inside the stored float data (63f = 0x427C0000)
        bytes[at] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(path))
            .Should().Throw<InvalidDataException>().WithMessage("*key 'a'*CRC-32*");

        var foreign = Npz([("a.npy", Npy(ones(2))), ("evil.pkl", [0x80, 0x04])], name: "foreign.npz");
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(foreign))
            .Should().Throw<InvalidDataException>().WithMessage("*'evil.pkl' is not an .npy array*");

        var truncated = _temp.File("truncated.npz");
        File.WriteAllBytes(truncated, File.ReadAllBytes(foreign)[..60]);
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(truncated))
            .Should().Throw<InvalidDataException>().WithMessage("*truncated.npz*");
    }

    private sealed class DisposableDict(Dictionary<string, Tensor> value) : IDisposable
    {
        public Dictionary<string, Tensor> Value { get; } = value;
        public void Dispose() { foreach (var t in Value.Values) t.Dispose(); }
    }
}
