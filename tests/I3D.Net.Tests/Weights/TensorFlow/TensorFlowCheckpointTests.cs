using System.Text;
using I3D.Net.Weights.TensorFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.TensorFlow;

public sealed class TensorFlowCheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public TensorFlowCheckpointTests() => Prefix = Path.Combine(_temp.Path, "model.ckpt");

    private string Prefix { get; }

    public void Dispose() => _temp.Dispose();

    private static Dictionary<string, Tensor> SampleTensors()
    {
        var g = new torch.Generator(3);
        var tensors = new Dictionary<string, Tensor>();
        // Enough variables with shared prefixes to fill several blocks and exercise prefix compression.
        for (var i = 0; i < 40; i++)
        {
            tensors[$"net/layer_{i:D2}/conv/w"] = randn([2, 3, i % 4 + 1], generator: g);
            tensors[$"net/layer_{i:D2}/bn/beta"] = randn([i + 1], generator: g);
        }

        tensors["net/f64"] = randn([3], dtype: ScalarType.Float64, generator: g);
        tensors["net/f16"] = randn([5], generator: g).to(ScalarType.Float16);
        tensors["net/bf16"] = randn([5], generator: g).to(ScalarType.BFloat16);
        tensors["net/i64"] = tensor(new long[] { -1, long.MaxValue });
        tensors["net/i32"] = tensor(new[] { 7, -7 });
        tensors["net/scalar"] = tensor(2.5f);
        tensors["net/empty"] = zeros([0, 4]);
        return tensors;
    }

    private static bool Same(Tensor a, Tensor b) =>
        a.dtype == b.dtype && a.shape.SequenceEqual(b.shape) && a.bytes.SequenceEqual(b.contiguous().bytes);

    [Fact]
    public void RoundTripsEveryVariableAndVerifiesChecksums()
    {
        using var scope = NewDisposeScope();
        var tensors = SampleTensors();
        TestBundleWriter.Write(Prefix, tensors, blockSize: 256);

        var checkpoint = TensorFlowCheckpoint.Open(Prefix + ".index");

        checkpoint.Prefix.Should().Be(Prefix);
        checkpoint.Tensors.Select(t => t.Name).Should().Equal(tensors.Keys.Order(StringComparer.Ordinal));
        checkpoint.TryGetTensor("net/layer_07/conv/w", out var info).Should().BeTrue();
        info!.Shape.Should().Equal(2, 3, 4);
        info.DType.Should().Be(ScalarType.Float32);
        var all = checkpoint.ReadAll();
        foreach (var (name, expected) in tensors)
        {
            Same(all[name], expected).Should().BeTrue(name);
        }

        Same(checkpoint.Read("net/bf16"), tensors["net/bf16"]).Should().BeTrue();
    }

    [Fact]
    public void ReadsShardedCheckpoints()
    {
        using var scope = NewDisposeScope();
        var tensors = SampleTensors();
        TestBundleWriter.Write(Prefix, tensors, shards: 2, shardOf: n => n.Contains("conv") ? 1 : 0);

        var checkpoint = TensorFlowCheckpoint.Open(Prefix);
        checkpoint.ShardCount.Should().Be(2);
        checkpoint.Tensors.Single(t => t.Name == "net/layer_03/conv/w").ShardId.Should().Be(1);
        Same(checkpoint.Read("net/layer_03/conv/w"), tensors["net/layer_03/conv/w"]).Should().BeTrue();
        Same(checkpoint.Read("net/layer_03/bn/beta"), tensors["net/layer_03/bn/beta"]).Should().BeTrue();

        File.Delete(Prefix + ".data-00001-of-00002");
        var act = () => checkpoint.ReadAll();
        act.Should().Throw<FileNotFoundException>().WithMessage("*model.ckpt.data-00001-of-00002*shard 1 of 2*'net/layer_00/conv/w'*");
    }

    [Fact]
    public void ChecksumMismatchIsDetectedNamingTheVariable()
    {
        using var scope = NewDisposeScope();
        var tensors = SampleTensors();
        TestBundleWriter.Write(Prefix, tensors);
        var checkpoint = TensorFlowCheckpoint.Open(Prefix);
        var target = checkpoint.Tensors.Single(t => t.Name == "net/layer_10/conv/w");
        var dataPath = checkpoint.DataPath(0);
        var bytes = File.ReadAllBytes(dataPath);
        bytes[target.Offset + 5] ^= 0x10;
        File.WriteAllBytes(dataPath, bytes);

        var one = () => checkpoint.Read("net/layer_10/conv/w");
        one.Should().Throw<InvalidDataException>().WithMessage("*data-00000-of-00001*'net/layer_10/conv/w' fails its CRC-32C check*");
        var all = () => checkpoint.ReadAll();
        all.Should().Throw<InvalidDataException>().WithMessage("*'net/layer_10/conv/w'*CRC-32C*");
        Same(checkpoint.Read("net/layer_11/conv/w"), tensors["net/layer_11/conv/w"]).Should().BeTrue("other variables are intact");
    }

    [Fact]
    public void TruncatedDataFileIsDetectedNamingTheVariable()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors());
        var checkpoint = TensorFlowCheckpoint.Open(Prefix);
        var last = checkpoint.Tensors.Where(t => t.Size > 0).MaxBy(t => t.Offset)!;
        var dataPath = checkpoint.DataPath(0);
        var bytes = File.ReadAllBytes(dataPath);
        File.WriteAllBytes(dataPath, bytes[..^3]);

        var act = () => checkpoint.ReadAll();

        act.Should().Throw<InvalidDataException>().WithMessage($"*data-00000-of-00001*truncated*'{last.Name}'*");
    }

    [Fact]
    public void EntryInAShardThatDoesNotExistIsRejected()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors(), alter: e => e.Name == "net/i32" ? e with { Shard = 1 } : e);

        var act = () => TensorFlowCheckpoint.Open(Prefix);

        act.Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*'net/i32'*shard 1*checkpoint has 1 shard(s)*");
    }

    [Fact]
    public void SizeThatDisagreesWithShapeIsRejected()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors(), alter: e => e.Name == "net/f64" ? e with { Shape = [4] } : e);

        var act = () => TensorFlowCheckpoint.Open(Prefix);

        act.Should().Throw<InvalidDataException>().WithMessage("*'net/f64'*shape [4] of Float64 needs 32 bytes but the entry says 24*");
    }

    [Fact]
    public void StringVariablesAreListedButNotRead()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors(), alter: e => e.Name == "net/i32" ? e with { DataType = 7 } : e);

        var checkpoint = TensorFlowCheckpoint.Open(Prefix);
        checkpoint.TryGetTensor("net/i32", out var info).Should().BeTrue();
        info!.DType.Should().BeNull();
        var act = () => checkpoint.Read("net/i32");
        act.Should().Throw<InvalidDataException>().WithMessage("*'net/i32'*DT_STRING*");
    }

    [Fact]
    public void CorruptIndexBlockIsDetected()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors());
        var bytes = File.ReadAllBytes(Prefix + ".index");
        var at = IndexOf(bytes, "net/");
        at.Should().BeInRange(1, 100, "the first key is stored in full near the start of the first data block");
        bytes[at] = (byte)'X';
        File.WriteAllBytes(Prefix + ".index", bytes);

        var act = () => TensorFlowCheckpoint.Open(Prefix);

        act.Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*data block*fails its CRC-32C check*");
    }

    [Fact]
    public void SnappyCompressedIndexIsRejectedClearly()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors(), compression: 1);

        var act = () => TensorFlowCheckpoint.Open(Prefix);

        act.Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*Snappy-compressed*");
    }

    [Fact]
    public void TruncatedOrForeignIndexIsRejected()
    {
        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors());
        var bytes = File.ReadAllBytes(Prefix + ".index");
        File.WriteAllBytes(Prefix + ".index", bytes[..^7]);
        FluentActions.Invoking(() => TensorFlowCheckpoint.Open(Prefix))
            .Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*magic number*truncated*");

        File.WriteAllBytes(Prefix + ".index", bytes[..20]);
        FluentActions.Invoking(() => TensorFlowCheckpoint.Open(Prefix))
            .Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*truncated*");

        // A valid footer whose index handle points past the table.
        var table = TestBundleWriter.WriteTable([([], TestBundleWriter.EncodeHeader(1))], 1024);
        var footer = table.Length - 48;
        new byte[] { 0, 0, 0x7F, 0x0A }.CopyTo(table, footer); // metaindex (0, 0); index at 127, beyond the table
        table.Length.Should().BeLessThan(127 + 48);
        File.WriteAllBytes(Prefix + ".index", table);
        FluentActions.Invoking(() => TensorFlowCheckpoint.Open(Prefix))
            .Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*runs past*");
    }

    [Fact]
    public void MissingIndexOrDataIsNamed()
    {
        FluentActions.Invoking(() => TensorFlowCheckpoint.Open(Prefix))
            .Should().Throw<FileNotFoundException>().WithMessage("*model.ckpt.index*does not exist*");
        FluentActions.Invoking(() => TensorFlowCheckpoint.Open(_temp.Path))
            .Should().Throw<FileNotFoundException>().WithMessage("*holds no TensorFlow checkpoint*");

        using var scope = NewDisposeScope();
        TestBundleWriter.Write(Prefix, SampleTensors());
        File.Delete(Prefix + ".data-00000-of-00001");
        var checkpoint = TensorFlowCheckpoint.Open(_temp.Path);
        FluentActions.Invoking(() => checkpoint.Read("net/f16"))
            .Should().Throw<FileNotFoundException>().WithMessage("*model.ckpt.data-00000-of-00001*'net/f16'*");
        FluentActions.Invoking(() => checkpoint.Read("net/nope"))
            .Should().Throw<KeyNotFoundException>().WithMessage("*'net/nope'*");
    }

    [Fact]
    public void Crc32CMatchesTheStandardAndItsMask()
    {
        Crc32C.Compute("123456789"u8).Should().Be(0xE3069283);
        Crc32C.Compute([]).Should().Be(0u);
        // RFC 3720 (iSCSI) B.4 test vectors.
        Crc32C.Compute(new byte[32]).Should().Be(0x8A9136AA);
        Crc32C.Compute(Enumerable.Repeat((byte)0xFF, 32).ToArray()).Should().Be(0x62A8AB43);
        Crc32C.Compute(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray()).Should().Be(0x46DD794E);
        var data = Enumerable.Range(0, 1000).Select(i => (byte)(i * 31)).ToArray();
        Crc32C.Compute(data.AsSpan(0, 300), data.AsSpan(300)).Should().Be(Crc32C.Compute(data));
        foreach (var crc in new uint[] { 0, 1, 0xE3069283, uint.MaxValue })
        {
            Crc32C.Unmask(Crc32C.Mask(crc)).Should().Be(crc);
            Crc32C.Mask(crc).Should().NotBe(crc);
        }
    }

    private static int IndexOf(byte[] haystack, string needle)
    {
        var n = Encoding.ASCII.GetBytes(needle);
        return haystack.AsSpan().IndexOf(n);
    }
}
