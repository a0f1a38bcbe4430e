namespace I3D.Net.Weights.TensorFlow;

/// <summary>
/// A minimal protobuf wire-format reader: enough for TensorFlow's BundleHeaderProto and BundleEntryProto
/// (a handful of varint, fixed32 and nested fields), so the library needs neither generated code nor Google.Protobuf.
/// Every read is bounds-checked and throws <see cref="FormatException"/> on malformed input.
/// </summary>
internal ref struct ProtoReader
{
    public const int WireVarint = 0;
    public const int WireFixed64 = 1;
    public const int WireLengthDelimited = 2;
    public const int WireFixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ProtoReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    /// <summary>Reads the next field's tag: its number and wire type.</summary>
    public (int Field, int WireType) ReadTag()
    {
        var tag = ReadVarint();
        var field = tag >> 3;
        if (field == 0 || field > int.MaxValue)
        {
            throw new FormatException($"invalid protobuf field number {field}");
        }

        return ((int)field, (int)(tag & 7));
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (_position >= _data.Length)
            {
                throw new FormatException("protobuf varint runs past the end of the message");
            }

            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return result;
            }
        }

        throw new FormatException("protobuf varint is longer than 10 bytes");
    }

    public uint ReadFixed32()
    {
        if (_data.Length - _position < 4)
        {
            throw new FormatException("protobuf fixed32 runs past the end of the message");
        }

        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
        _position += 4;
        return value;
    }

    public ReadOnlySpan<byte> ReadLengthDelimited()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw new FormatException($"protobuf field of {length} bytes runs past the end of the message");
        }

        var slice = _data.Slice(_position, (int)length);
        _position += (int)length;
        return slice;
    }

    /// <summary>Skips a field this reader does not need (forward compatibility, as protobuf intends).</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                ReadVarint();
                break;
            case WireFixed64:
                Advance(8);
                break;
            case WireLengthDelimited:
                ReadLengthDelimited();
                break;
            case WireFixed32:
                Advance(4);
                break;
            default:
                throw new FormatException($"unsupported protobuf wire type {wireType}");
        }
    }

    /// <summary>Throws unless the field has the expected wire type.</summary>
    public static void Expect(int field, int wireType, int expected)
    {
        if (wireType != expected)
        {
            throw new FormatException($"protobuf field {field} has wire type {wireType}, expected {expected}");
        }
    }

    private void Advance(int count)
    {
        if (_data.Length - _position < count)
        {
            throw new FormatException("protobuf field runs past the end of the message");
        }

        _position += count;
    }
}
