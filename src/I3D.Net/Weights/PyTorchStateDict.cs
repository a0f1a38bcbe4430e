using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Reads PyTorch state dicts saved with <c>torch.save(model.state_dict(), path)</c> in the zip format (PyTorch ≥ 1.6,
/// the usual <c>.pt</c>/<c>.pth</c> file) — without running any code from the file.
/// </summary>
/// <remarks>
/// A <c>.pth</c> file is a zip holding <c>data.pkl</c> (a Python pickle that describes the dict and each tensor's
/// dtype, shape, strides and storage) and one raw little-endian file per storage under <c>data/</c>. Python's own
/// loader may import and call anything a pickle names; this reader interprets only the handful of names that
/// <c>torch.save</c> uses for tensors and ordered dicts and refuses everything else, so a hostile file can at worst be
/// rejected. Every tensor's shape and strides are checked against its storage's size before a byte is copied, views
/// and non-contiguous tensors are rebuilt correctly, and the returned tensors are independent, contiguous, on the CPU,
/// and do not require gradients (copy them into a module's parameters, which keeps those trainable).
/// </remarks>
public static class PyTorchStateDict
{
    static readonly byte[] ZipMagic = "PK\u0003\u0004"u8.ToArray();

    /// <summary>Reads a state dict from a PyTorch zip file.</summary>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c> file.</param>
    /// <param name="entry">
    /// For checkpoints that wrap the weights in a dict (e.g. <c>{"state_dict": ..., "epoch": 3}</c>), the key of the
    /// state dict inside it; <see langword="null"/> when the file is the state dict itself.
    /// </param>
    /// <returns>The tensors by key, in the file's order. The caller owns (and should dispose) them.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable PyTorch zip state dict; the message names the file and, where it applies, the key.</exception>
    public static Dictionary<string, Tensor> Load(string path, string? entry = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch weights file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Load(stream, path, entry);
    }

    /// <summary>Reads a state dict from a stream holding a PyTorch zip file.</summary>
    /// <param name="stream">The file's bytes; read from its current position (copied to memory if not seekable).</param>
    /// <param name="sourceName">A name for the data (usually the file path), used in error messages.</param>
    /// <param name="entry">See <see cref="Load(string, string?)"/>.</param>
    /// <returns>The tensors by key, in the file's order. The caller owns (and should dispose) them.</returns>
    /// <exception cref="InvalidDataException">The data is not a readable PyTorch zip state dict.</exception>
    public static Dictionary<string, Tensor> Load(Stream stream, string sourceName, string? entry = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);

        Stream seekable = stream;
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            seekable = copy;
        }

        CheckSignature(seekable, sourceName);

        ZipArchive archive;
        try
        {
            archive = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{sourceName}: not a readable PyTorch zip file ({e.Message}); the file may be truncated.", e);
        }

        using (archive)
        {
            return new ZipReader(archive, sourceName).Read(entry);
        }
    }

    static void CheckSignature(Stream stream, string sourceName)
    {
        long start = stream.Position;
        Span<byte> head = stackalloc byte[4];
        int n = stream.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        stream.Position = start;
        if (n == 4 && head.SequenceEqual(ZipMagic)) return;
        if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
            throw new InvalidDataException(
                $"{sourceName}: this is a legacy (pre-1.6, non-zip) PyTorch file, which is not supported. Re-save it in the " +
                "zip format with Python: `import torch; torch.save(torch.load('old.pt', map_location='cpu'), 'new.pt')` " +
                "(PyTorch ≥ 1.6 writes zip by default), or convert it to safetensors.");
        throw new InvalidDataException(
            $"{sourceName}: not a PyTorch zip file (expected the zip signature 50 4B 03 04, found " +
            $"{Convert.ToHexString(head[..n])}{(n < 4 ? ", file too short" : "")}).");
    }

    /// <summary>A storage named by a persistent id: its archive key, element type and element count.</summary>
    sealed record StorageRef(string Key, ScalarType DType, long Numel, int ElementSize);

    /// <summary>A tensor described by the pickle, built only after its key is known so errors can name it.</summary>
    sealed record TensorSpec(StorageRef Storage, long Offset, long[] Size, long[] Stride);

    sealed class ZipReader
    {
        const long MaxPickleBytes = 256L << 20;
        readonly ZipArchive _archive;
        readonly string _source;
        readonly string _prefix;
        readonly Dictionary<string, Tensor> _storages = new();

        public ZipReader(ZipArchive archive, string source)
        {
            _archive = archive;
            _source = source;
            var pkl = archive.Entries.FirstOrDefault(e =>
                e.FullName == "data.pkl" || (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                             && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length))
                ?? throw new InvalidDataException($"{source}: the zip has no data.pkl entry, so it is not a PyTorch checkpoint.");
            _prefix = pkl.FullName[..^"data.pkl".Length];
        }

        public Dictionary<string, Tensor> Read(string? entry)
        {
            CheckByteOrder();
            var pickleEntry = _archive.GetEntry(_prefix + "data.pkl")!;
            var bytes = ReadEntry(pickleEntry, MaxPickleBytes, "data.pkl");
            var root = new PickleReader(bytes, $"{_source} (data.pkl)", IsAllowed, Reduce, PersistentLoad).Load();

            if (entry is not null)
            {
                var outer = root as PyDict
                    ?? throw new InvalidDataException($"{_source}: expected a dict holding '{entry}', found {Describe(root)}.");
                var found = outer.Items.FirstOrDefault(kv => kv.Key as string == entry);
                if (found.Key is null)
                    throw new InvalidDataException($"{_source}: the checkpoint has no key '{entry}'; its keys are " +
                                                   string.Join(", ", outer.Items.Select(kv => $"'{kv.Key}'")) + ".");
                root = found.Value;
            }

            var dict = root as PyDict
                ?? throw new InvalidDataException($"{_source}: expected a state dict (a dict of tensors), found {Describe(root)}.");

            using var scope = NewDisposeScope();
            var result = new Dictionary<string, Tensor>(dict.Items.Count);
            foreach (var (keyObj, value) in dict.Items)
            {
                if (keyObj is not string key)
                    throw new InvalidDataException($"{_source}: state-dict keys must be strings, found {Describe(keyObj)}.");
                if (value is not TensorSpec spec)
                {
                    var hint = value is PyDict ? $" (a nested dict: pass entry: \"{key}\" if it holds the weights)" : "";
                    throw new InvalidDataException($"{_source}: key '{key}' holds {Describe(value)}, not a tensor{hint}.");
                }
                result[key] = Build(key, spec);
            }
            foreach (var t in result.Values) t.MoveToOuterDisposeScope();
            return result;
        }

        void CheckByteOrder()
        {
            var order = _archive.GetEntry(_prefix + "byteorder");
            if (order is null) return; // files before PyTorch 2.1 have none: they are little-endian.
            var text = Encoding.ASCII.GetString(ReadEntry(order, 16, "byteorder")).Trim();
            if (text != "little")
                throw new InvalidDataException($"{_source}: tensors are stored {text}-endian; only little-endian files are supported.");
        }

        static bool IsAllowed(PyGlobal g) => (g.Module, g.Name) switch
        {
            ("collections", "OrderedDict") => true,
            ("torch._utils", "_rebuild_tensor" or "_rebuild_tensor_v2" or "_rebuild_parameter" or "_rebuild_parameter_with_state") => true,
            ("torch", _) => StorageTypes.ContainsKey(g.Name),
            _ => false,
        };

        object? Reduce(PyGlobal g, object?[] args)
        {
            switch (g.Module, g.Name)
            {
                case ("collections", "OrderedDict"):
                {
                    var dict = new PyDict();
                    if (args.Length == 1 && args[0] is List<object?> pairs)
                        foreach (var p in pairs)
                            if (p is object?[] { Length: 2 } kv) dict.Set(kv[0], kv[1]);
                            else if (p is List<object?> { Count: 2 } kl) dict.Set(kl[0], kl[1]);
                    return dict;
                }
                case ("torch._utils", "_rebuild_tensor" or "_rebuild_tensor_v2"):
                    if (args.Length < 4 || args[0] is not StorageRef storage || args[1] is not long offset
                        || args[2] is not object?[] size || args[3] is not object?[] stride)
                        throw new InvalidDataException($"{_source}: malformed {g} arguments.");
                    return new TensorSpec(storage, offset, Longs(size, "size"), Longs(stride, "stride"));
                case ("torch._utils", "_rebuild_parameter" or "_rebuild_parameter_with_state"):
                    // keep_vars=True state dicts hold Parameters: keep the data, drop autograd state.
                    return args.Length > 0 && args[0] is TensorSpec data
                        ? data : throw new InvalidDataException($"{_source}: malformed {g} arguments.");
                default:
                    throw new InvalidDataException($"{_source}: cannot call {g}.");
            }
        }

        long[] Longs(object?[] items, string what) =>
            items.Select(i => i is long l ? l : throw new InvalidDataException($"{_source}: a tensor {what} holds {Describe(i)}, not an integer."))
                 .ToArray();

        object? PersistentLoad(object? pid)
        {
            // ('storage', torch.FloatStorage, '<key>', '<location>', <numel>)
            if (pid is not object?[] { Length: >= 5 } t || t[0] as string != "storage" || t[1] is not PyGlobal type
                || t[2] is not string key || t[4] is not long numel)
                throw new InvalidDataException($"{_source}: unexpected persistent id {Describe(pid)} (expected a storage reference).");
            if (!StorageTypes.TryGetValue(type.Name, out var info))
                throw new InvalidDataException($"{_source}: storage '{key}' has unsupported type {type}.");
            if (numel < 0) throw new InvalidDataException($"{_source}: storage '{key}' has a negative size {numel}.");
            return new StorageRef(key, info.DType, numel, info.Size);
        }

        Tensor Build(string key, TensorSpec spec)
        {
            if (spec.Size.Length != spec.Stride.Length)
                throw new InvalidDataException($"{_source}: key '{key}' has {spec.Size.Length} sizes but {spec.Stride.Length} strides.");
            long count = 1, last = spec.Offset;
            try
            {
                for (int i = 0; i < spec.Size.Length; i++)
                {
                    if (spec.Size[i] < 0 || spec.Stride[i] < 0)
                        throw new InvalidDataException($"{_source}: key '{key}' has a negative size or stride.");
                    count = checked(count * spec.Size[i]);
                    if (spec.Size[i] > 0) last = checked(last + (spec.Size[i] - 1) * spec.Stride[i]);
                }
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{_source}: key '{key}' has a shape too large to address.");
            }
            if (spec.Offset < 0 || (count > 0 && last >= spec.Storage.Numel) || spec.Offset > spec.Storage.Numel)
                throw new InvalidDataException(
                    $"{_source}: key '{key}' (shape [{string.Join(", ", spec.Size)}], strides [{string.Join(", ", spec.Stride)}], " +
                    $"offset {spec.Offset}) reaches beyond its storage '{spec.Storage.Key}' of {spec.Storage.Numel} elements.");

            var storage = Storage(key, spec.Storage);
            var result = empty(spec.Size, spec.Storage.DType);
            if (count > 0) result.copy_(storage.as_strided(spec.Size, spec.Stride, spec.Offset));
            return result;
        }

        Tensor Storage(string key, StorageRef s)
        {
            if (_storages.TryGetValue(s.Key, out var cached)) return cached;
            var name = _prefix + "data/" + s.Key;
            var entry = _archive.GetEntry(name)
                ?? throw new InvalidDataException($"{_source}: key '{key}' refers to storage '{s.Key}', but the zip has no entry '{name}'.");
            long expected = s.Numel * s.ElementSize;
            if (entry.Length != expected)
                throw new InvalidDataException(
                    $"{_source}: key '{key}': storage '{s.Key}' should hold {s.Numel} × {s.ElementSize} = {expected} bytes, but its entry has {entry.Length}.");
            var bytes = ReadEntry(entry, int.MaxValue, name);
            var t = empty(s.Numel, s.DType);
            if (expected > 0) t.bytes = bytes;
            _storages[s.Key] = t;
            return t;
        }

        byte[] ReadEntry(ZipArchiveEntry entry, long maxBytes, string what)
        {
            if (entry.Length > maxBytes)
                throw new InvalidDataException($"{_source}: entry '{what}' is {entry.Length} bytes, more than the {maxBytes} this reader accepts.");
            var buffer = new byte[entry.Length];
            try
            {
                using var s = entry.Open();
                s.ReadExactly(buffer);
            }
            catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
            {
                throw new InvalidDataException($"{_source}: entry '{what}' is truncated or corrupt ({e.Message}).", e);
            }
            return buffer;
        }

        static string Describe(object? o) => o switch
        {
            null => "None",
            string s => $"the string '{s}'",
            long l => $"the integer {l}",
            bool b => b ? "True" : "False",
            double d => $"the float {d}",
            PyDict => "a dict",
            List<object?> => "a list",
            object?[] t => $"a tuple of {t.Length}",
            TensorSpec => "a tensor",
            _ => o.GetType().Name,
        };
    }

    static readonly Dictionary<string, (ScalarType DType, int Size)> StorageTypes = new()
    {
        ["DoubleStorage"] = (ScalarType.Float64, 8),
        ["FloatStorage"] = (ScalarType.Float32, 4),
        ["HalfStorage"] = (ScalarType.Float16, 2),
        ["BFloat16Storage"] = (ScalarType.BFloat16, 2),
        ["LongStorage"] = (ScalarType.Int64, 8),
        ["IntStorage"] = (ScalarType.Int32, 4),
        ["ShortStorage"] = (ScalarType.Int16, 2),
        ["CharStorage"] = (ScalarType.Int8, 1),
        ["ByteStorage"] = (ScalarType.Byte, 1),
        ["BoolStorage"] = (ScalarType.Bool, 1),
        ["ComplexFloatStorage"] = (ScalarType.ComplexFloat32, 8),
        ["ComplexDoubleStorage"] = (ScalarType.ComplexFloat64, 16),
    };
}
