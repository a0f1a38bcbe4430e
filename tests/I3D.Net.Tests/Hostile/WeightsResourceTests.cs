using System.Text;
using I3D.Net.Tests.Weights;
using I3D.Net.Tests.Weights.TensorFlow;
using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;

namespace I3D.Net.Tests.Hostile;

/// <summary>
/// Issue 14, items 1–3: small weight files that asked for much more time or memory than their size. Each is generated
/// here and must be refused with <see cref="InvalidDataException"/> within 5 s and 256 MiB.
/// </summary>
[Collection(HostileInputCollection.Name)]
public sealed class WeightsResourceTests : IDisposable
{
    readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_pickle_dict_of_colliding_integer_keys_is_refused_quickly()
    {
        // 160,000 keys (i << 32) | i: long.GetHashCode() folds the halves with XOR, so all of them hash to 0 and a
        // table with the default comparer turns every insert into a scan (64 s for this 1.9 MB file).
        var pickle = new PickleBuilder().Proto().Op('}').Op('(');
        for (long i = 1; i <= 160_000; i++) pickle.Int((i << 32) | i).Int(0);
        var bytes = WeightsHostileFiles.ZipPt(pickle.Op('u').Op('.').ToArray());

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(
            () => PyTorchStateDict.Load(new MemoryStream(bytes), "flood.pt"));
        error.Message.Should().Contain("flood.pt").And.Contain("keys must be strings");
    }

    [Fact]
    public void A_pickle_that_builds_millions_of_objects_is_refused_by_the_object_budget()
    {
        // Two million EMPTY_DICT opcodes: 2 MB of pickle, ~300 MB of dicts without the budget.
        var pickle = new PickleBuilder().Proto().Raw(Enumerable.Repeat((byte)'}', 2_000_000).ToArray()).Op('.').ToArray();
        var bytes = WeightsHostileFiles.ZipPt(pickle);

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(
            () => PyTorchStateDict.Load(new MemoryStream(bytes), "objects.pt"));
        error.Message.Should().Contain("objects.pt").And.Contain("MaxPickleObjectBytes");
    }

    [Fact]
    public void A_stride_zero_view_larger_than_its_storage_is_refused()
    {
        // One float viewed as [2^29] with stride 0: a few hundred bytes that asked for a 2 GiB copy.
        var pickle = WeightsHostileFiles.OneTensorPickle("expanded", 1, [1L << 29], [0]);
        var bytes = WeightsHostileFiles.ZipPt(pickle, ("0", WeightsHostileFiles.Floats(1.5f)));
        bytes.Length.Should().BeLessThan(1024);

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(
            () => PyTorchStateDict.Load(new MemoryStream(bytes), "stride0.pt"));
        error.Message.Should().Contain("stride0.pt").And.Contain("'expanded'").And.Contain("AllowTensorsLargerThanStorage");
    }

    [Fact]
    public void A_stride_zero_view_in_a_legacy_file_is_refused()
    {
        var body = WeightsHostileFiles.OneTensorPickle("expanded", 1, [1L << 29], [0], legacy: true);
        var bytes = WeightsHostileFiles.LegacyPt(body, ("0", 1, WeightsHostileFiles.Floats(1.5f)));

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(
            () => PyTorchStateDict.Load(new MemoryStream(bytes), "stride0-legacy.pt"));
        error.Message.Should().Contain("stride0-legacy.pt").And.Contain("'expanded'");
    }

    [Fact]
    public void Many_keys_viewing_one_storage_are_refused_beyond_the_reuse_limit()
    {
        // 64 keys each viewing the whole 4 MiB storage: a 4 MiB file asking for 256 MiB of copies.
        const int numel = 1 << 20;
        var pickle = new PickleBuilder().Proto().BeginDict();
        for (int i = 0; i < 64; i++) pickle.Str($"view{i}").Tensor("FloatStorage", "0", numel, 0, [numel], [1]);
        var bytes = WeightsHostileFiles.ZipPt(pickle.EndDict().ToArray(), ("0", new byte[numel * 4]));

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(
            () => PyTorchStateDict.Load(new MemoryStream(bytes), "reuse.pt"));
        error.Message.Should().Contain("reuse.pt").And.Contain("'view8'").And.Contain("MaxStorageReuse");
    }

    [Fact]
    public void A_tf_index_whose_keys_grow_by_prefix_sharing_is_refused_before_copying()
    {
        // Every entry shares all of the previous key and adds one byte: ~350 KB of index, 2.4 GB of keys.
        var index = PrefixChainIndex(entries: 70_000, addEach: 1);
        var prefix = Path.Combine(_temp.Path, "chain");
        File.WriteAllBytes(prefix + ".index", index);

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => TensorFlowCheckpoint.Open(prefix));
        error.Message.Should().Contain("chain.index").And.Contain("MaxIndexKeyBytes");
    }

    [Fact]
    public void A_tf_index_whose_keys_add_up_beyond_the_total_is_refused()
    {
        // One 4000-byte key, then 60,000 entries that each re-share 3999 bytes of it: 300 KB of index, 240 MB of keys.
        var block = new MemoryStream();
        TestBundleWriter.WriteVarint(block, 0);
        TestBundleWriter.WriteVarint(block, 4000);
        TestBundleWriter.WriteVarint(block, 0);
        block.Write(Enumerable.Repeat((byte)'a', 4000).ToArray());
        for (int i = 0; i < 60_000; i++)
        {
            TestBundleWriter.WriteVarint(block, 3999);
            TestBundleWriter.WriteVarint(block, 1);
            TestBundleWriter.WriteVarint(block, 0);
            block.WriteByte((byte)'b');
        }
        EndBlock(block);
        var prefix = Path.Combine(_temp.Path, "total");
        File.WriteAllBytes(prefix + ".index", TestBundleWriter.WriteRawTable(block.ToArray(), "z"u8.ToArray()));

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => TensorFlowCheckpoint.Open(prefix));
        error.Message.Should().Contain("total.index").And.Contain("MaxIndexTotalKeyBytes");

        // The cap is configurable: a smaller total refuses sooner, with the configured figure in the message.
        var small = () => TensorFlowCheckpoint.Open(prefix, new WeightsReadOptions { MaxIndexTotalKeyBytes = 1 << 20 });
        small.Should().Throw<InvalidDataException>().WithMessage("*1048576 bytes*");
    }

    [Fact]
    public void A_tf_index_of_millions_of_tiny_entries_is_refused()
    {
        // 1.5 million 4-byte entries (one new key byte each, restarting every 4): 6 MB of index and only 2 MB of
        // keys, but 1.5 million variables to describe.
        var block = new MemoryStream();
        for (int i = 0; i < 1_500_000; i++)
        {
            TestBundleWriter.WriteVarint(block, (ulong)(i % 4 == 0 ? 0 : (i % 4) - 1));
            TestBundleWriter.WriteVarint(block, 1);
            TestBundleWriter.WriteVarint(block, 0);
            block.WriteByte((byte)'a');
        }
        EndBlock(block);
        var prefix = Path.Combine(_temp.Path, "tiny");
        File.WriteAllBytes(prefix + ".index", TestBundleWriter.WriteRawTable(block.ToArray(), "b"u8.ToArray()));

        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => TensorFlowCheckpoint.Open(prefix));
        error.Message.Should().Contain("tiny.index").And.Contain("MaxIndexTotalKeyBytes");
    }

    static byte[] PrefixChainIndex(int entries, int addEach)
    {
        var block = new MemoryStream();
        for (int i = 0; i < entries; i++)
        {
            TestBundleWriter.WriteVarint(block, (ulong)(i * addEach));
            TestBundleWriter.WriteVarint(block, (ulong)addEach);
            TestBundleWriter.WriteVarint(block, 0);
            block.Write(Enumerable.Repeat((byte)'a', addEach).ToArray());
        }
        EndBlock(block);
        return TestBundleWriter.WriteRawTable(block.ToArray(), "b"u8.ToArray());
    }

    // One restart point at 0, then the restart count.
    static void EndBlock(MemoryStream block) => block.Write([0, 0, 0, 0, 1, 0, 0, 0]);
}
