using System.Buffers.Binary;
using System.Text;

namespace I3D.Net.Weights;

/// <summary>A Python global (<c>module.name</c>) named by a pickle. It is only ever a name: nothing is imported or run.</summary>
internal sealed record PyGlobal(string Module, string Name)
{
    public override string ToString() => Module + "." + Name;
}

/// <summary>A Python dict as read from a pickle, keeping insertion order.</summary>
internal sealed class PyDict
{
    readonly Dictionary<object, int> _index = new(PickleKeyComparer.Instance);

    public List<KeyValuePair<object?, object?>> Items { get; } = new();

    public void Set(object? key, object? value)
    {
        // Keys are strings or numbers in practice; None keys (rare) are kept without de-duplication.
        if (key is not null && _index.TryGetValue(key, out int at))
        {
            Items[at] = new(key, value);
            return;
        }
        if (key is not null) _index[key] = Items.Count;
        Items.Add(new(key, value));
    }
}

/// <summary>
/// A data-only reader of Python's pickle format (protocols 0–5) for the subset that <c>torch.save</c> writes for state
/// dicts. Unlike Python's unpickler it never imports or calls anything: globals become <see cref="PyGlobal"/> names
/// that the caller must allow, and <c>REDUCE</c> is handed to the caller, which builds only the few objects it knows
/// (tensors, ordered dicts). Opcodes that construct arbitrary objects (<c>INST</c>, <c>OBJ</c>, <c>NEWOBJ</c>, …) are refused.
/// </summary>
internal sealed class PickleReader
{
    readonly byte[] _data;
    readonly string _source;
    readonly Func<PyGlobal, bool> _allowGlobal;
    readonly Func<PyGlobal, object?[], object?> _reduce;
    readonly Func<object?, object?> _persistentLoad;
    readonly long _maxObjectBytes;
    long _objectBytes;
    int _pos;

    /// <param name="data">The pickle bytes.</param>
    /// <param name="source">What to name in error messages (file and entry).</param>
    /// <param name="allowGlobal">Whether a global may be referenced; a refused one stops reading with an error.</param>
    /// <param name="reduce">Builds the object for <c>callable(*args)</c>; throws for callables it does not know.</param>
    /// <param name="persistentLoad">Resolves a persistent id (PyTorch's storage references).</param>
    /// <param name="start">Where in <paramref name="data"/> the pickle starts.</param>
    /// <param name="maxObjectBytes">Budget for the objects the pickle builds, in estimated bytes (see <see cref="WeightsReadOptions.MaxPickleObjectBytes"/>).</param>
    public PickleReader(byte[] data, string source, Func<PyGlobal, bool> allowGlobal,
        Func<PyGlobal, object?[], object?> reduce, Func<object?, object?> persistentLoad, int start = 0,
        long maxObjectBytes = 128L << 20)
    {
        _maxObjectBytes = maxObjectBytes;
        _data = data;
        _source = source;
        _allowGlobal = allowGlobal;
        _reduce = reduce;
        _persistentLoad = persistentLoad;
        _pos = start;
    }

    /// <summary>Where the next pickle starts (used by formats that concatenate several pickles).</summary>
    public int Position => _pos;

    /// <summary>Reads one pickle, up to and including its STOP opcode, and returns its value.</summary>
    public object? Load()
    {
        var stack = new List<object?>();
        var marks = new Stack<int>();
        var memo = new Dictionary<long, object?>(PickleKeyComparer.Instance);

        while (true)
        {
            int opAt = _pos;
            byte op = ReadByte();
            // Every opcode may push a stack slot (with List growth, up to 16 bytes); objects are charged below.
            Charge(16, opAt);
            switch (op)
            {
                case 0x80: ReadByte(); break;                       // PROTO
                case 0x95: ReadBytes(8); break;                     // FRAME (framing is only a hint)
                case (byte)'.':                                     // STOP
                    if (stack.Count != 1) throw Bad($"STOP with {stack.Count} values on the stack", opAt);
                    return stack[0];
                case (byte)'(': Charge(8, opAt); marks.Push(stack.Count); break;     // MARK
                case (byte)'0': Pop(stack, opAt); break;            // POP
                case (byte)'1': PopMark(stack, marks, opAt); break; // POP_MARK
                case (byte)'2': stack.Add(Peek(stack, opAt)); break; // DUP

                case (byte)'N': stack.Add(null); break;
                case 0x88: stack.Add(true); break;
                case 0x89: stack.Add(false); break;
                case (byte)'J': Charge(24, opAt); stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;
                case (byte)'K': Charge(24, opAt); stack.Add((long)ReadByte()); break;
                case (byte)'M': Charge(24, opAt); stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;
                case 0x8a: stack.Add(ReadLong(Charge(ReadByte(), 1, opAt))); break;             // LONG1
                case 0x8b: stack.Add(ReadLong(Charge(ReadLength(4, opAt), 1, opAt))); break;    // LONG4
                case (byte)'I':                                                               // INT (text)
                {
                    var line = ReadLine();
                    Charge(24, opAt);
                    stack.Add(line switch { "01" => true, "00" => false, _ => ParseLong(line, opAt) });
                    break;
                }
                case (byte)'L': Charge(24, opAt); stack.Add(ParseLong(ReadLine().TrimEnd('L'), opAt)); break;  // LONG (text)
                case (byte)'G': Charge(24, opAt); stack.Add(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;
                case (byte)'F':
                {
                    var text = ReadLine();
                    Charge(24, opAt);
                    stack.Add(double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d)
                        ? d : throw Bad($"'{Shorten(text)}' is not a float", opAt));
                    break;
                }

                case (byte)'X': stack.Add(Encoding.UTF8.GetString(ReadBytes(Charge(ReadLength(4, opAt), 2, opAt)))); break;
                case 0x8c: stack.Add(Encoding.UTF8.GetString(ReadBytes(Charge(ReadByte(), 2, opAt)))); break;
                case 0x8d: stack.Add(Encoding.UTF8.GetString(ReadBytes(Charge(ReadLength(8, opAt), 2, opAt)))); break;
                case (byte)'T': stack.Add(Encoding.Latin1.GetString(ReadBytes(Charge(ReadLength(4, opAt), 2, opAt)))); break;
                case (byte)'U': stack.Add(Encoding.Latin1.GetString(ReadBytes(Charge(ReadByte(), 2, opAt)))); break;
                case (byte)'V': { var line = ReadLine(); Charge(line.Length, 2, opAt); stack.Add(line); break; } // UNICODE (raw-unicode-escape; ASCII here)
                case (byte)'B': stack.Add(ReadBytes(Charge(ReadLength(4, opAt), 1, opAt)).ToArray()); break;
                case (byte)'C': stack.Add(ReadBytes(Charge(ReadByte(), 1, opAt)).ToArray()); break;
                case 0x8e: stack.Add(ReadBytes(Charge(ReadLength(8, opAt), 1, opAt)).ToArray()); break;

                case (byte)']': Charge(ListBytes, opAt); stack.Add(new List<object?>()); break;   // EMPTY_LIST
                case (byte)'}': Charge(DictBytes, opAt); stack.Add(new PyDict()); break;          // EMPTY_DICT
                case (byte)')': stack.Add(Array.Empty<object?>()); break;                     // EMPTY_TUPLE
                case (byte)'l':                                                               // LIST
                {
                    var items = PopMark(stack, marks, opAt);
                    Charge(ListBytes + 8L * items.Length, opAt);
                    stack.Add(items.ToList());
                    break;
                }
                case (byte)'t': stack.Add(PopMark(stack, marks, opAt)); break;                 // TUPLE
                case 0x85: Charge(40, opAt); stack.Add(new[] { Pop(stack, opAt) }); break;    // TUPLE1
                case 0x86: { Charge(48, opAt); var b = Pop(stack, opAt); var a = Pop(stack, opAt); stack.Add(new[] { a, b }); break; }
                case 0x87:
                {
                    Charge(56, opAt);
                    var c = Pop(stack, opAt); var b = Pop(stack, opAt); var a = Pop(stack, opAt);
                    stack.Add(new[] { a, b, c });
                    break;
                }
                case (byte)'d':                                                               // DICT
                {
                    var items = PopMark(stack, marks, opAt);
                    Charge(DictBytes + items.Length * DictEntryBytes / 2, opAt);
                    var dict = new PyDict();
                    SetItems(dict, items, opAt);
                    stack.Add(dict);
                    break;
                }
                case (byte)'a':                                                               // APPEND
                {
                    var value = Pop(stack, opAt);
                    Charge(16, opAt);
                    AsList(Peek(stack, opAt), opAt).Add(value);
                    break;
                }
                case (byte)'e':                                                               // APPENDS
                {
                    var items = PopMark(stack, marks, opAt);
                    Charge(16L * items.Length, opAt);
                    AsList(Peek(stack, opAt), opAt).AddRange(items);
                    break;
                }
                case (byte)'s':                                                               // SETITEM
                {
                    var value = Pop(stack, opAt); var key = Pop(stack, opAt);
                    Charge(DictEntryBytes, opAt);
                    AsDict(Peek(stack, opAt), opAt).Set(key, value);
                    break;
                }
                case (byte)'u':                                                               // SETITEMS
                {
                    var items = PopMark(stack, marks, opAt);
                    Charge(items.Length * DictEntryBytes / 2, opAt);
                    SetItems(AsDict(Peek(stack, opAt), opAt), items, opAt);
                    break;
                }

                case (byte)'p': Charge(MemoEntryBytes, opAt); memo[ParseLong(ReadLine(), opAt)] = Peek(stack, opAt); break; // PUT
                case (byte)'q': Charge(MemoEntryBytes, opAt); memo[ReadByte()] = Peek(stack, opAt); break;                  // BINPUT
                case (byte)'r': Charge(MemoEntryBytes, opAt); memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))] = Peek(stack, opAt); break;
                case 0x94: Charge(MemoEntryBytes, opAt); memo[memo.Count] = Peek(stack, opAt); break;                       // MEMOIZE
                case (byte)'g': stack.Add(GetMemo(memo, ParseLong(ReadLine(), opAt), opAt)); break;
                case (byte)'h': stack.Add(GetMemo(memo, ReadByte(), opAt)); break;
                case (byte)'j': stack.Add(GetMemo(memo, BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)), opAt)); break;

                case (byte)'c':                                                               // GLOBAL
                {
                    var module = ReadLine();
                    var name = ReadLine();
                    Charge(64 + 2L * (module.Length + name.Length), opAt);
                    stack.Add(Global(module, name, opAt));
                    break;
                }
                case 0x93:                                                                    // STACK_GLOBAL
                {
                    var name = Pop(stack, opAt) as string;
                    var module = Pop(stack, opAt) as string;
                    if (module is null || name is null) throw Bad("STACK_GLOBAL without two strings", opAt);
                    Charge(64, opAt);
                    stack.Add(Global(module, name, opAt));
                    break;
                }
                case (byte)'R':                                                               // REDUCE
                {
                    var args = Pop(stack, opAt) as object?[] ?? throw Bad("REDUCE without an argument tuple", opAt);
                    var callable = Pop(stack, opAt) as PyGlobal ?? throw Bad("REDUCE of something that is not a global", opAt);
                    Charge(DictBytes, opAt);   // the largest object a reduce builds (an OrderedDict or a tensor description)
                    stack.Add(_reduce(callable, args));
                    break;
                }
                case (byte)'b':                                                               // BUILD
                {
                    // State set on an already-built object. For OrderedDict it is the instance __dict__
                    // (torch's `_metadata`), for tensors backward hooks; neither carries weights, so it is dropped.
                    Pop(stack, opAt);
                    var target = Peek(stack, opAt);
                    if (target is PyGlobal g) throw Bad($"BUILD on the class {g} (an arbitrary object)", opAt);
                    break;
                }
                case (byte)'P': Charge(DictBytes, opAt); stack.Add(_persistentLoad(ReadLine())); break;                // PERSID
                case (byte)'Q': Charge(DictBytes, opAt); stack.Add(_persistentLoad(Pop(stack, opAt))); break;          // BINPERSID

                default:
                    throw Bad($"opcode 0x{op:x2} ('{(op is >= 32 and < 127 ? (char)op : '?')}') is not supported: " +
                              "only plain data and tensors can be read, no Python objects", opAt);
            }
        }
    }

    // Estimated sizes (bytes) of what the reader allocates, on the high side, for the object budget.
    // Hash-table and list entries count twice: the tables double as they grow.
    const long ListBytes = 64, DictBytes = 256, DictEntryBytes = 96, MemoEntryBytes = 64;

    /// <summary>Charges <paramref name="bytes"/> to the object budget; a file over it is refused before it allocates.</summary>
    void Charge(long bytes, int opAt)
    {
        _objectBytes += bytes;
        if (_objectBytes > _maxObjectBytes)
            throw Bad($"it builds more than {_maxObjectBytes} bytes of Python objects (WeightsReadOptions.MaxPickleObjectBytes); " +
                      "a state dict needs far less, so the file is corrupt or hostile, or raise the limit for a file you trust", opAt);
    }

    /// <summary>Charges <paramref name="count"/> × <paramref name="perItem"/> bytes plus an object header and returns <paramref name="count"/>.</summary>
    long Charge(long count, long perItem, int opAt)
    {
        Charge(32 + count * perItem, opAt);
        return count;
    }

    static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    PyGlobal Global(string module, string name, int opAt)
    {
        var g = new PyGlobal(module, name);
        if (!_allowGlobal(g)) throw Bad($"it references the Python global '{g}', which this reader does not allow", opAt);
        return g;
    }

    static void SetItems(PyDict dict, object?[] items, int opAt)
    {
        if (items.Length % 2 != 0) throw new InvalidDataException($"Odd number of items for a dict at byte {opAt}.");
        for (int i = 0; i < items.Length; i += 2) dict.Set(items[i], items[i + 1]);
    }

    List<object?> AsList(object? o, int opAt) => o as List<object?> ?? throw Bad("APPEND to something that is not a list", opAt);
    PyDict AsDict(object? o, int opAt) => o as PyDict ?? throw Bad("SETITEM on something that is not a dict", opAt);

    object? GetMemo(Dictionary<long, object?> memo, long key, int opAt) =>
        memo.TryGetValue(key, out var v) ? v : throw Bad($"memo key {key} was never stored", opAt);

    object? Pop(List<object?> stack, int opAt)
    {
        if (stack.Count == 0) throw Bad("stack underflow", opAt);
        var v = stack[^1];
        stack.RemoveAt(stack.Count - 1);
        return v;
    }

    object? Peek(List<object?> stack, int opAt) => stack.Count > 0 ? stack[^1] : throw Bad("stack underflow", opAt);

    object?[] PopMark(List<object?> stack, Stack<int> marks, int opAt)
    {
        if (marks.Count == 0) throw Bad("no MARK", opAt);
        int at = marks.Pop();
        if (at > stack.Count) throw Bad("MARK beyond the stack", opAt);
        Charge(24 + 8L * (stack.Count - at), opAt);
        var items = new object?[stack.Count - at];
        stack.CopyTo(at, items, 0, items.Length);
        stack.RemoveRange(at, items.Length);
        return items;
    }

    byte ReadByte()
    {
        if (_pos >= _data.Length) throw Truncated();
        return _data[_pos++];
    }

    ReadOnlySpan<byte> ReadBytes(long n)
    {
        if (n < 0 || n > _data.Length - _pos) throw Truncated();
        var span = _data.AsSpan(_pos, (int)n);
        _pos += (int)n;
        return span;
    }

    long ReadLength(int width, int opAt)
    {
        long n = width == 4
            ? BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))
            : BinaryPrimitives.ReadInt64LittleEndian(ReadBytes(8));
        if (n < 0 || n > _data.Length - _pos) throw Bad($"length {n} runs past the end of the data", opAt);
        return n;
    }

    object ReadLong(long n)
    {
        var bytes = ReadBytes(n);
        if (n == 0) return 0L;
        if (n > 8) return new System.Numerics.BigInteger(bytes, isUnsigned: false, isBigEndian: false);
        long value = 0;
        for (int i = (int)n - 1; i >= 0; i--) value = (value << 8) | bytes[i];
        if (n < 8 && (bytes[(int)n - 1] & 0x80) != 0) value -= 1L << (int)(8 * n); // sign-extend
        return value;
    }

    string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _pos);
        if (end < 0) throw Truncated();
        var s = Encoding.UTF8.GetString(_data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    long ParseLong(string text, int opAt) =>
        long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var v)
            ? v : throw Bad($"'{Shorten(text)}' is not an integer", opAt);

    InvalidDataException Truncated() => new($"{_source}: the pickle is truncated (ends at byte {_data.Length} before its STOP opcode).");

    InvalidDataException Bad(string what, int opAt) => new($"{_source}: cannot read the pickle at byte {opAt}: {what}.");
}
