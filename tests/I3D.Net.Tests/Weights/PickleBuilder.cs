using System.Buffers.Binary;
using System.Text;

namespace I3D.Net.Tests.Weights;

/// <summary>
/// Test helper: writes pickle opcodes (protocol 2) one by one, so tests can build the exact, possibly hostile, pickles
/// that torch.save writes or that an attacker could write.
/// </summary>
internal sealed class PickleBuilder
{
    readonly MemoryStream _s = new();

    public PickleBuilder Proto() { _s.Write([0x80, 0x02]); return this; }

    public PickleBuilder Op(char opcode) { _s.WriteByte((byte)opcode); return this; }

    public PickleBuilder Op(byte opcode) { _s.WriteByte(opcode); return this; }

    public PickleBuilder Raw(ReadOnlySpan<byte> bytes) { _s.Write(bytes); return this; }

    public PickleBuilder Global(string module, string name) => Raw(Encoding.ASCII.GetBytes($"c{module}\n{name}\n"));

    public PickleBuilder Str(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(len, bytes.Length);
        return Op('X').Raw(len).Raw(bytes);
    }

    /// <summary>An integer: BININT1, BININT or an 8-byte LONG1, as Python's pickler picks.</summary>
    public PickleBuilder Int(long v)
    {
        if (v is >= 0 and < 256) return Op('K').Op((byte)v);
        Span<byte> b = stackalloc byte[8];
        if (v is >= int.MinValue and <= int.MaxValue)
        {
            BinaryPrimitives.WriteInt32LittleEndian(b, (int)v);
            return Op('J').Raw(b[..4]);
        }
        BinaryPrimitives.WriteInt64LittleEndian(b, v);
        return Op(0x8a).Op(8).Raw(b);
    }

    public PickleBuilder Tuple(IEnumerable<long> values)
    {
        Op('(');
        foreach (var v in values) Int(v);
        return Op('t');
    }

    /// <summary>
    /// <c>torch._utils._rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c> with the persistent id
    /// <c>('storage', torch.&lt;type&gt;, key, 'cpu', numel)</c>; <paramref name="legacyView"/> adds the legacy format's
    /// sixth field (<c>None</c> when false).
    /// </summary>
    public PickleBuilder Tensor(string storageType, string storageKey, long numel, long offset, long[] size, long[] stride, bool legacyView = false)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Op('(');
        Op('(').Str("storage").Global("torch", storageType).Str(storageKey).Str("cpu").Int(numel);
        if (legacyView) Op('N');
        Op('t').Op('Q');
        Int(offset).Tuple(size).Tuple(stride).Op(0x89);
        Global("collections", "OrderedDict").Op(')').Op('R');
        return Op('t').Op('R');
    }

    /// <summary>Starts an <c>OrderedDict()</c> and a MARK for its items (end with <see cref="EndDict"/>).</summary>
    public PickleBuilder BeginDict() => Global("collections", "OrderedDict").Op(')').Op('R').Op('(');

    /// <summary>SETITEMS and STOP.</summary>
    public PickleBuilder EndDict() => Op('u').Op('.');

    public byte[] ToArray() => _s.ToArray();

    public long Length => _s.Length;
}
