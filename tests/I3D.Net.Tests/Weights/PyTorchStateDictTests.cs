using System.IO.Compression;
using System.Text;
using I3D.Net.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

public class PyTorchStateDictTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "weights", name);

    static Tensor Ramp(long n, double scale, ScalarType dtype = ScalarType.Float32) =>
        (arange(n, dtype: ScalarType.Float64) * scale).to(dtype);

    [Fact]
    public void ReadsEveryTensorWithItsDtypeShapeAndValuesInFileOrder()
    {
        using var scope = NewDisposeScope();
        var sd = PyTorchStateDict.Load(Fixture("small_state_dict.pth"));

        sd.Keys.Should().Equal("conv.weight", "conv.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var",
            "bn.num_batches_tracked", "half", "double", "transposed", "row_view");

        sd["conv.weight"].shape.Should().Equal(4, 3, 3, 3);
        sd["conv.weight"].allclose(Ramp(108, 0.01).reshape(4, 3, 3, 3)).Should().BeTrue();
        sd["conv.bias"].allclose(Ramp(4, -0.5)).Should().BeTrue();
        sd["bn.running_var"].allclose(Ramp(4, 1.0) + 1).Should().BeTrue();

        var nbt = sd["bn.num_batches_tracked"];
        nbt.dtype.Should().Be(ScalarType.Int64);
        nbt.dim().Should().Be(0);
        nbt.item<long>().Should().Be(7);

        sd["half"].dtype.Should().Be(ScalarType.Float16);
        sd["half"].to(ScalarType.Float32).allclose(Ramp(6, 0.5).reshape(2, 3)).Should().BeTrue();
        sd["double"].dtype.Should().Be(ScalarType.Float64);
        sd["double"].allclose(Ramp(5, 0.1, ScalarType.Float64)).Should().BeTrue();

        foreach (var t in sd.Values)
        {
            t.requires_grad.Should().BeFalse();
            t.is_contiguous().Should().BeTrue();
            t.device_type.Should().Be(DeviceType.CPU);
        }
    }

    [Fact]
    public void RebuildsViewsAndNonContiguousTensorsOfASharedStorage()
    {
        using var scope = NewDisposeScope();
        var sd = PyTorchStateDict.Load(Fixture("small_state_dict.pth"));
        var baseTensor = Ramp(12, 0.01).reshape(3, 4);

        sd["transposed"].shape.Should().Equal(4, 3);
        sd["transposed"].allclose(baseTensor.t()).Should().BeTrue();
        sd["row_view"].shape.Should().Equal(4);
        sd["row_view"].allclose(baseTensor[1]).Should().BeTrue();

        // Independent copies: changing one does not change the other.
        sd["row_view"].add_(100);
        sd["transposed"].allclose(baseTensor.t()).Should().BeTrue();
    }

    [Fact]
    public void ReadsTheWeightsInsideAWrappingCheckpointByEntry()
    {
        using var scope = NewDisposeScope();
        var sd = PyTorchStateDict.Load(Fixture("nested_checkpoint.pth"), entry: "state_dict");
        sd.Keys.Should().Equal("w");
        sd["w"].allclose(Ramp(4, 0.01).reshape(2, 2)).Should().BeTrue();

        var flat = () => PyTorchStateDict.Load(Fixture("nested_checkpoint.pth"));
        flat.Should().Throw<InvalidDataException>().WithMessage("*'state_dict'*nested dict*entry*");
        var missing = () => PyTorchStateDict.Load(Fixture("nested_checkpoint.pth"), entry: "model");
        missing.Should().Throw<InvalidDataException>().WithMessage("*no key 'model'*'state_dict', 'epoch'*");
    }

    [Fact]
    public void LegacyFilesLoadLikeTheirZipCounterpart()
    {
        using var scope = NewDisposeScope();
        var zip = PyTorchStateDict.Load(Fixture("small_state_dict.pth"));
        var legacy = PyTorchStateDict.Load(Fixture("small_state_dict_legacy.pth"));
        legacy.Keys.Should().Equal(zip.Keys);
        foreach (var (key, t) in zip)
        {
            legacy[key].dtype.Should().Be(t.dtype, key);
            legacy[key].shape.Should().Equal(t.shape, key);
            legacy[key].allclose(t, rtol: 0, atol: 0).Should().BeTrue(key);
        }
    }

    [Fact]
    public void TruncatedLegacyFilesNameTheStorage()
    {
        var bytes = File.ReadAllBytes(Fixture("small_state_dict_legacy.pth"));
        var act = () => PyTorchStateDict.Load(new MemoryStream(bytes[..^10]), "cut-legacy.pth");
        act.Should().Throw<InvalidDataException>().WithMessage("*cut-legacy.pth*truncated*storage*");
    }

    [Fact]
    public void LoadIntoCopiesIntoTheModuleAndKeepsItTrainable()
    {
        using var scope = NewDisposeScope();
        using var net = new TinyConvBnNet();
        var source = new List<KeyValuePair<string, Tensor>>
        {
            new("conv.weight", Ramp(4 * 3 * 27, 0.001).reshape(4, 3, 3, 3, 3)),
            new("bn.weight", Ramp(4, 0.5) + 1), new("bn.bias", Ramp(4, 0.25)),
            new("bn.running_mean", Ramp(4, 0.125)), new("bn.running_var", Ramp(4, 1.0) + 2),
        };
        using var folder = new TempFolder();
        TorchZipWriter.Save(source, folder.File("tiny.pth"));

        var result = PyTorchStateDict.LoadInto(net, folder.File("tiny.pth"));
        result.Loaded.Should().HaveCount(5);
        var sd = net.state_dict();
        foreach (var (k, v) in source) sd[k].allclose(v, rtol: 0, atol: 0).Should().BeTrue(k);
        net.parameters().Should().OnlyContain(p => p.requires_grad);

        source.Add(new("extra.weight", zeros(1)));
        TorchZipWriter.Save(source, folder.File("extra.pth"));
        var strict = () => PyTorchStateDict.LoadInto(net, folder.File("extra.pth"));
        strict.Should().Throw<InvalidDataException>().WithMessage("*extra.pth*'extra.weight'*");
    }

    [Fact]
    public void PickledModulesAreRefusedNotExecuted()
    {
        var act = () => PyTorchStateDict.Load(Fixture("whole_module.pth"));
        act.Should().Throw<InvalidDataException>().WithMessage("*whole_module.pth*torch.nn.modules.linear.Linear*");
        var legacy = () => PyTorchStateDict.Load(Fixture("whole_module_legacy.pth"));
        legacy.Should().Throw<InvalidDataException>().WithMessage("*whole_module_legacy.pth*torch.nn.modules.linear.Linear*");
    }

    [Fact]
    public void APickleThatCallsArbitraryCodeIsRefused()
    {
        // The classic exploit: os.system("echo pwned") via GLOBAL + REDUCE.
        var pickle = Encoding.Latin1.GetBytes("\u0080\u0002cos\nsystem\nX\u000a\u0000\u0000\u0000echo pwned\u0085R.");
        var bytes = Zip(("archive/data.pkl", pickle));
        var act = () => PyTorchStateDict.Load(new MemoryStream(bytes), "evil.pth");
        act.Should().Throw<InvalidDataException>().WithMessage("*evil.pth*'os.system'*");
    }

    [Fact]
    public void TruncatedFilesAreRejectedNamingTheFile()
    {
        var bytes = File.ReadAllBytes(Fixture("small_state_dict.pth"));
        var act = () => PyTorchStateDict.Load(new MemoryStream(bytes[..(bytes.Length / 2)]), "cut.pth");
        act.Should().Throw<InvalidDataException>().WithMessage("*cut.pth*");
    }

    [Fact]
    public void AStorageShorterThanItsTensorIsRejectedNamingTheKey()
    {
        var original = File.ReadAllBytes(Fixture("small_state_dict.pth"));
        var entries = new List<(string, byte[])>();
        using (var zip = new ZipArchive(new MemoryStream(original), ZipArchiveMode.Read))
            foreach (var e in zip.Entries)
            {
                using var s = e.Open();
                var ms = new MemoryStream();
                s.CopyTo(ms);
                var data = ms.ToArray();
                // Storage 0 holds conv.weight (108 floats): drop its last element.
                entries.Add((e.FullName, e.FullName.EndsWith("/data/0") ? data[..^4] : data));
            }
        var act = () => PyTorchStateDict.Load(new MemoryStream(Zip(entries.ToArray())), "short.pth");
        act.Should().Throw<InvalidDataException>().WithMessage("*short.pth*'conv.weight'*432 bytes*428*");
    }

    [Fact]
    public void NonZipDataIsRejectedWithTheSignatureFound()
    {
        var act = () => PyTorchStateDict.Load(new MemoryStream("hello world"u8.ToArray()), "text.pth");
        act.Should().Throw<InvalidDataException>().WithMessage("*text.pth*zip signature*legacy pickle*68656C6C*");
        var missing = () => PyTorchStateDict.Load(Path.Combine(Path.GetTempPath(), "no-such-i3d-file.pth"));
        missing.Should().Throw<FileNotFoundException>().WithMessage("*no-such-i3d-file.pth*");
    }

    static byte[] Zip(params (string Name, byte[] Data)[] entries)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = zip.CreateEntry(name, CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }
}
