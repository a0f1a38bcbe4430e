using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using I3D.Net.Tests.Weights;
using I3D.Net.Tests.Weights.TensorFlow;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using I3D.Net.Weights.TensorFlow;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Hostile;

/// <summary>
/// Issue 14, items 8, 9 and 19 (weights): corrupt files that loaded silently or escaped with an undocumented exception
/// type. Every one must end in an <see cref="InvalidDataException"/> that names the file and, where there is one, the key.
/// </summary>
public sealed class WeightsCorruptionTests : IDisposable
{
    static readonly long[] HugeEmptyShape = [0, 1L << 62, 1L << 62];
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_legacy_storage_whose_byte_size_overflows_64_bits_is_refused_naming_it()
    {
        // (2^62 + 1) floats: × 4 wraps to 4 bytes, which the file then "holds".
        const long numel = (1L << 62) + 1;
        var body = new PickleBuilder().Proto().BeginDict().Str("w")
            .Tensor("FloatStorage", "s0", numel, 0, [1], [1], legacyView: true).EndDict().ToArray();
        var bytes = WeightsHostileFiles.LegacyPt(body, ("s0", numel, WeightsHostileFiles.Floats(7f)));

        var act = () => PyTorchStateDict.Load(new MemoryStream(bytes), "overflow-legacy.pt");
        act.Should().Throw<InvalidDataException>().WithMessage("*overflow-legacy.pt*storage 's0'*overflows*");
    }

    [Fact]
    public void A_flipped_bit_in_a_zip_storage_fails_its_crc_naming_the_file_and_key()
    {
        var path = _temp.File("flipped.pth");
        using (var w = arange(16, dtype: ScalarType.Float32))
            TorchZipWriter.Save([new("layer.weight", w)], path);
        var bytes = File.ReadAllBytes(path);
        var stored = WeightsHostileFiles.Floats(Enumerable.Range(0, 16).Select(i => (float)i).ToArray());
        var at = bytes.AsSpan().IndexOf(stored);
        at.Should().BeGreaterThan(0, "torch.save stores storages uncompressed");
        bytes[at + 21] ^= 0x10;   // one bit of element 5
        File.WriteAllBytes(path, bytes);

        var act = () => PyTorchStateDict.Load(path);
        act.Should().Throw<InvalidDataException>()
            .WithMessage("*flipped.pth*archive/data/0*'layer.weight'*CRC-32*");
    }

    [Fact]
    public void An_intact_zip_still_loads_after_the_crc_check()
    {
        var path = _temp.File("intact.pth");
        using var w = arange(16, dtype: ScalarType.Float32).reshape(4, 4);
        TorchZipWriter.Save([new("layer.weight", w)], path);
        var sd = PyTorchStateDict.Load(path);
        sd["layer.weight"].allclose(w, rtol: 0, atol: 0).Should().BeTrue();
        foreach (var t in sd.Values) t.Dispose();
    }

    [Fact]
    public void Safetensors_shapes_that_overflow_around_a_zero_dimension_are_refused()
    {
        var header = Encoding.UTF8.GetBytes("{\"t\":{\"dtype\":\"F32\",\"shape\":[0,4611686018427387904,4611686018427387904],\"data_offsets\":[0,0]}}");
        var file = new byte[8 + header.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)header.Length);
        header.CopyTo(file, 8);
        var path = _temp.File("zero-dim.safetensors");
        File.WriteAllBytes(path, file);

        var act = () => SafeTensorsFile.Load(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*zero-dim.safetensors*'t'*too large*");
    }

    [Fact]
    public void Pytorch_shapes_that_overflow_around_a_zero_dimension_are_refused()
    {
        var pickle = WeightsHostileFiles.OneTensorPickle("t", 0, HugeEmptyShape, [1, 1, 1]);
        var bytes = WeightsHostileFiles.ZipPt(pickle, ("0", []));
        var act = () => PyTorchStateDict.Load(new MemoryStream(bytes), "zero-dim.pt");
        act.Should().Throw<InvalidDataException>().WithMessage("*zero-dim.pt*'t'*too large*");
    }

    [Fact]
    public void Tensorflow_shapes_that_overflow_around_a_zero_dimension_are_refused()
    {
        var prefix = Path.Combine(_temp.Path, "zero-dim");
        using (var t = zeros(0))
            TestBundleWriter.Write(prefix, new Dictionary<string, Tensor> { ["v"] = t },
                alter: e => e with { Shape = HugeEmptyShape, Size = 0 });
        var act = () => TensorFlowCheckpoint.Open(prefix).ReadAll();
        act.Should().Throw<InvalidDataException>().WithMessage("*zero-dim.index*'v'*too large*");
    }

    [Fact]
    public void A_zip_entry_declaring_two_gigabytes_is_refused_before_allocating()
    {
        // A ByteStorage of 2^31 - 1 elements whose 1-byte entry claims 2147483647 bytes in the zip directory.
        var pickle = new PickleBuilder().Proto().BeginDict().Str("w")
            .Tensor("ByteStorage", "0", int.MaxValue, 0, [1], [1]).EndDict().ToArray();
        var honest = WeightsHostileFiles.ZipPt(pickle, ("0", [42]));

        var both = PatchSizes(honest, "archive/data/0", compressed: int.MaxValue, uncompressed: int.MaxValue);
        var act = () => PyTorchStateDict.Load(new MemoryStream(both), "big-entry.pt");
        act.Should().Throw<InvalidDataException>().WithMessage("*big-entry.pt*archive/data/0*");

        // Within what an array can hold, but 100 million bytes from 1: more than any real entry expands.
        var bombPickle = new PickleBuilder().Proto().BeginDict().Str("w")
            .Tensor("ByteStorage", "0", 100_000_000, 0, [1], [1]).EndDict().ToArray();
        var expanding = PatchSizes(WeightsHostileFiles.ZipPt(bombPickle, ("0", [42])), "archive/data/0", compressed: 1, uncompressed: 100_000_000);
        var ratio = () => PyTorchStateDict.Load(new MemoryStream(expanding), "bomb.pt");
        ratio.Should().Throw<InvalidDataException>().WithMessage("*bomb.pt*archive/data/0*MaxZipCompressionRatio*");
    }

    [Fact]
    public void A_corrupt_zip_directory_names_the_file()
    {
        var bytes = WeightsHostileFiles.ZipPt(WeightsHostileFiles.OneTensorPickle("w", 1, [1], [1]), ("0", WeightsHostileFiles.Floats(1)));
        var directory = CentralDirectoryOffset(bytes);
        bytes[directory + 3] = 0x09;   // "PK\1\2" → "PK\1\t": the first directory record is no longer one
        var act = () => PyTorchStateDict.Load(new MemoryStream(bytes), "bad-directory.pt");
        act.Should().Throw<InvalidDataException>().WithMessage("*bad-directory.pt*");
    }

    [Fact]
    public void A_malformed_float_in_a_pickle_is_invalid_data()
    {
        var pickle = new PickleBuilder().Proto().BeginDict().Str("w").Raw("Fnot-a-number\n"u8).EndDict().ToArray();
        var act = () => PyTorchStateDict.Load(new MemoryStream(WeightsHostileFiles.ZipPt(pickle)), "float.pt");
        act.Should().Throw<InvalidDataException>().WithMessage("*float.pt*not-a-number*");
    }

    [Fact]
    public void Tf_keys_that_are_not_utf8_are_refused_instead_of_colliding()
    {
        // "v\xfe" and "v\xff" are distinct and sorted, but both decode to "v\uFFFD" as lenient UTF-8.
        var header = TestBundleWriter.EncodeHeader(1);
        var entry = TestBundleWriter.EncodeEntry(new TestBundleWriter.Entry("", 1, [], 0, 0, 4, 0));   // a valid float scalar
        var table = TestBundleWriter.WriteTable([([], header), ([(byte)'v', 0xFE], entry), ([(byte)'v', 0xFF], entry)], blockSize: 1024);
        var prefix = Path.Combine(_temp.Path, "latin1");
        File.WriteAllBytes(prefix + ".index", table);
        File.WriteAllBytes(prefix + ".data-00000-of-00001", []);

        var act = () => TensorFlowCheckpoint.Open(prefix);
        act.Should().Throw<InvalidDataException>().WithMessage("*latin1.index*not valid UTF-8*");
    }

    static byte[] PatchSizes(byte[] zip, string name, uint compressed, uint uncompressed)
    {
        var copy = (byte[])zip.Clone();
        var nameBytes = Encoding.ASCII.GetBytes(name);
        for (int i = 0; i + 46 < copy.Length; i++)
        {
            // Local header: PK\3\4, sizes at +18/+22, name at +30. Directory record: PK\1\2, sizes at +20/+24, name at +46.
            if (copy[i] == 'P' && copy[i + 1] == 'K' && copy[i + 2] == 3 && copy[i + 3] == 4 && copy.AsSpan(i + 30).StartsWith(nameBytes))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 18), compressed);
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 22), uncompressed);
            }
            if (copy[i] == 'P' && copy[i + 1] == 'K' && copy[i + 2] == 1 && copy[i + 3] == 2 && copy.AsSpan(i + 46).StartsWith(nameBytes))
            {
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 20), compressed);
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(i + 24), uncompressed);
            }
        }
        return copy;
    }

    static int CentralDirectoryOffset(byte[] zip)
    {
        // End of central directory: PK\5\6, offset of the directory at +16.
        var end = zip.AsSpan().LastIndexOf("PK\u0005\u0006"u8);
        return BinaryPrimitives.ReadInt32LittleEndian(zip.AsSpan(end + 16));
    }
}
