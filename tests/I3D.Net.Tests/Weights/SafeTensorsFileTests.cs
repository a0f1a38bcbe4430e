using System.Buffers.Binary;
using System.Text;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void RoundTripIsBitExactForEverySupportedDType()
    {
        using var scope = NewDisposeScope();
        var g = new torch.Generator(7);
        var f32 = randn([3, 4], generator: g);
        f32[0, 0] = float.NaN;
        f32[0, 1] = float.NegativeInfinity;
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = f32,
            ["f16"] = randn([5], generator: g).to(ScalarType.Float16),
            // bf16 values that are not representable in f16 (tiny and huge) must survive unchanged.
            ["bf16"] = tensor(new float[] { 1e-30f, 3e38f, -0.0f, 1.5f }).to(ScalarType.BFloat16),
            ["f64"] = randn([2, 2, 2], dtype: ScalarType.Float64, generator: g),
            ["i64"] = tensor(new long[] { long.MinValue, -1, 0, long.MaxValue }),
            ["i32"] = tensor(new[] { int.MinValue, 5, int.MaxValue }),
            ["i16"] = tensor(new short[] { short.MinValue, 0, short.MaxValue }),
            ["i8"] = tensor(new sbyte[] { -128, 0, 127 }),
            ["u8"] = tensor(new byte[] { 0, 128, 255 }),
            ["bool"] = tensor(new[] { true, false, true }),
            ["scalar"] = tensor(42L),
            ["empty"] = zeros([0, 3]),
            ["transposed"] = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t(),
        };

        var path = _temp.File("all.safetensors");
        SafeTensorsFile.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });
        var loaded = SafeTensorsFile.Load(path, out var metadata);

        loaded.Keys.Should().BeEquivalentTo(tensors.Keys);
        metadata.Should().BeEquivalentTo(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode" });
        foreach (var (name, expected) in tensors)
        {
            var actual = loaded[name];
            actual.dtype.Should().Be(expected.dtype, name);
            actual.shape.Should().Equal(expected.shape, name);
            actual.device_type.Should().Be(DeviceType.CPU);
            actual.bytes.ToArray().Should().Equal(expected.contiguous().bytes.ToArray(), name);
            actual.Dispose();
        }
    }

    [Fact]
    public void WrittenFileFollowsTheFormat()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("layout.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["b"] = tensor(new short[] { 1, 2 }), ["a"] = tensor(new[] { 3.0 }) });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        ((8 + headerLength) % 8).Should().Be(0, "the data section is 8-byte aligned");
        var header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength).TrimEnd(' ');
        header.Should().Be("{\"a\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[8,12]}}");
        BitConverter.ToDouble(bytes, (int)(8 + headerLength)).Should().Be(3.0);
        BitConverter.ToInt16(bytes, (int)(8 + headerLength + 8)).Should().Be(1);
        bytes.Length.Should().Be((int)(8 + headerLength + 12));
    }

    [Fact]
    public void ReadsAHandWrittenFile()
    {
        // Bytes laid out by hand as the specification describes, with trailing header spaces and metadata last.
        var data = new byte[12];
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(0), 1.5f);
        BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4), -2f);
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(8), 0x3F80); // bf16 1.0
        BinaryPrimitives.WriteUInt16LittleEndian(data.AsSpan(10), 0xC000); // bf16 -2.0
        var path = WriteRaw("hand.safetensors",
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[0,8]},\"h\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[8,12]},\"__metadata__\":{\"k\":\"v\"}}   ",
            data);

        var header = SafeTensorsFile.ReadHeader(path);
        header.Metadata.Should().ContainKey("k").WhoseValue.Should().Be("v");
        header.Tensors.Select(t => t.Name).Should().Equal("w", "h");

        var loaded = SafeTensorsFile.Load(path);
        using var w = loaded["w"];
        using var h = loaded["h"];
        w.shape.Should().Equal(2, 1);
        w.data<float>().ToArray().Should().Equal(1.5f, -2f);
        h.dtype.Should().Be(ScalarType.BFloat16);
        using var hf = h.to(ScalarType.Float32);
        hf.data<float>().ToArray().Should().Equal(1f, -2f);
    }

    [Fact]
    public void SaveReplacesAtomicallyAndLeavesNoTemporaryFiles()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("model.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["x"] = ones(2) });
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["y"] = zeros(3) });
        SafeTensorsFile.ReadHeader(path).Tensors.Select(t => t.Name).Should().Equal("y");

        var before = File.ReadAllBytes(path);
        var bad = () => SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["ok"] = ones(1), ["c"] = ones(2, dtype: ScalarType.ComplexFloat32) });
        bad.Should().Throw<ArgumentException>().WithMessage("*'c'*ComplexFloat32*");
        File.ReadAllBytes(path).Should().Equal(before, "a failed save leaves the old file untouched");
        Directory.GetFiles(_temp.Path).Should().ContainSingle().Which.Should().Be(path);
    }

    [Fact]
    public void SaveRejectsReservedKeysAndMissingFolders()
    {
        using var scope = NewDisposeScope();
        var reserved = () => SafeTensorsFile.Save(_temp.File("r.safetensors"), new Dictionary<string, Tensor> { ["__metadata__"] = ones(1) });
        reserved.Should().Throw<ArgumentException>().WithMessage("*__metadata__*reserved*");
        var noFolder = () => SafeTensorsFile.Save(Path.Combine(_temp.Path, "nope", "x.safetensors"), new Dictionary<string, Tensor> { ["a"] = ones(1) });
        noFolder.Should().Throw<DirectoryNotFoundException>().WithMessage("*nope*");
    }

    [Fact]
    public void MissingFileIsNamed()
    {
        var act = () => SafeTensorsFile.Load(_temp.File("absent.safetensors"));
        act.Should().Throw<FileNotFoundException>().WithMessage("*absent.safetensors*");
    }

    public static TheoryData<string, string, int, string> HostileHeaders => new()
    {
        { "bad-json", "{\"a\":{\"dtype\":\"F32\",", 4, "*not valid JSON*" },
        { "not-object", "[1,2,3]", 0, "*must be a JSON object*" },
        { "unknown-dtype", "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4, "*tensor 'a'*unknown or unsupported dtype 'F8_E4M3'*" },
        { "size-mismatch", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4, "*tensor 'a'*needs 8 bytes*span 4*" },
        { "out-of-range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "*tensor 'a'*run past the 4-byte data section*" },
        { "overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "*tensor 'b'*overlap tensor 'a'*" },
        { "gap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "*tensor 'a'*gap of 4 bytes*" },
        { "trailing", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "*cover 4 bytes but the data section holds 8*" },
        { "negative-shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "*tensor 'a'*non-negative integers*" },
        { "reversed-offsets", "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 4, "*tensor 'a'*end before they begin*" },
        { "huge-shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "*tensor 'a'*too large*" },
        { "duplicate-key", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2, "*'a' appears more than once*" },
        { "bad-metadata", "{\"__metadata__\":{\"n\":3}}", 0, "*metadata key 'n' must hold a string*" },
        { "missing-offsets", "{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", 1, "*tensor 'a'*data_offsets*" },
        { "bool-value", "{\"a\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", -2, "*tensor 'a'*byte value 2*" },
    };

    [Theory]
    [MemberData(nameof(HostileHeaders))]
    public void HostileFilesAreRejectedNamingFileAndKey(string name, string header, int dataBytes, string message)
    {
        // A negative size means "that many bytes, all set to 2" (an invalid BOOL payload).
        var data = dataBytes >= 0 ? new byte[dataBytes] : Enumerable.Repeat((byte)2, -dataBytes).ToArray();
        var path = WriteRaw(name + ".safetensors", header, data);
        var act = () => SafeTensorsFile.Load(path);
        act.Should().Throw<InvalidDataException>().WithMessage(message).And.Message.Should().Contain(path);
    }

    [Fact]
    public void OversizedAndTruncatedHeadersAreRejected()
    {
        var tiny = _temp.File("tiny.safetensors");
        File.WriteAllBytes(tiny, [1, 2, 3]);
        FluentActions.Invoking(() => SafeTensorsFile.Load(tiny)).Should().Throw<InvalidDataException>().WithMessage("*tiny.safetensors*truncated*");

        var huge = _temp.File("huge.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 200UL * 1024 * 1024);
        File.WriteAllBytes(huge, bytes);
        FluentActions.Invoking(() => SafeTensorsFile.Load(huge)).Should().Throw<InvalidDataException>().WithMessage("*huge.safetensors*above the 104857600-byte limit*");

        var cut = _temp.File("cut.safetensors");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(cut, bytes);
        FluentActions.Invoking(() => SafeTensorsFile.Load(cut)).Should().Throw<InvalidDataException>().WithMessage("*cut.safetensors*truncated*declares 1000 bytes*");

        var utf = _temp.File("utf.safetensors");
        var header = new byte[] { (byte)'{', 0xC3, 0x28, (byte)'}' };
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        File.WriteAllBytes(utf, [.. bytes.AsSpan(0, 8), .. header]);
        FluentActions.Invoking(() => SafeTensorsFile.Load(utf)).Should().Throw<InvalidDataException>().WithMessage("*utf.safetensors*not valid UTF-8*");
    }

    [Fact]
    public void TruncatedDataIsRejectedNamingTheTensor()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("trunc.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["weight"] = ones(64) });
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^10]);
        var act = () => SafeTensorsFile.Load(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*trunc.safetensors*tensor 'weight'*run past*");
    }

    private string WriteRaw(string name, string header, byte[] data)
    {
        var path = _temp.File(name);
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var length = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
        File.WriteAllBytes(path, [.. length, .. headerBytes, .. data]);
        return path;
    }
}
