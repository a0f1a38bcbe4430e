using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Reads PyTorch state dicts saved with <c>torch.save(model.state_dict(), path)</c> — the zip format of PyTorch ≥ 1.6
/// and the older "legacy" format (e.g. pytorch-i3d's <c>rgb_imagenet.pt</c>) — without running any code from the file.
/// </summary>
/// <remarks>
/// A zip <c>.pth</c> holds <c>data.pkl</c> (a Python pickle describing the dict and each tensor's dtype, shape, strides
/// and storage) and one raw little-endian file per storage under <c>data/</c>; a legacy file is a run of pickles
/// followed by the raw storages. Python's own loader may import and call anything a pickle names; this reader
/// interprets only the handful of names <c>torch.save</c> uses for tensors and ordered dicts and refuses everything
/// else, so a hostile file can at worst be rejected. Every tensor's shape and strides are checked against its
/// storage's size before a byte is copied, views and non-contiguous tensors are rebuilt correctly, and the returned
/// tensors are independent, contiguous, on the CPU, and do not require gradients (load them into a module with
/// <see cref="LoadInto"/> or <see cref="StateDictLoader"/>, which copy into the existing parameters and so keep them
/// trainable).
/// </remarks>
public static class PyTorchStateDict
{
    static readonly byte[] ZipMagic = "PK\u0003\u0004"u8.ToArray();

    /// <summary>Reads a state dict from a PyTorch file.</summary>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c> file.</param>
    /// <param name="entry">
    /// For checkpoints that wrap the weights in a dict (e.g. <c>{"state_dict": ..., "epoch": 3}</c>), the key of the
    /// state dict inside it; <see langword="null"/> when the file is the state dict itself.
    /// </param>
    /// <returns>The tensors by key, in the file's order. The caller owns (and should dispose) them.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable PyTorch state dict; the message names the file and, where it applies, the key.</exception>
    public static Dictionary<string, Tensor> Load(string path, string? entry = null) => Load(path, entry, WeightsReadOptions.Default);

    /// <summary>Reads a state dict from a PyTorch file with the given limits.</summary>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c> file.</param>
    /// <param name="entry">See <see cref="Load(string, string?)"/>.</param>
    /// <param name="options">Limits on what the file may cost (see docs/weights.md, "Limits").</param>
    /// <returns>The tensors by key, in the file's order. The caller owns (and should dispose) them.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a readable PyTorch state dict or exceeds a limit; the message names the file and, where it applies, the key.</exception>
    public static Dictionary<string, Tensor> Load(string path, string? entry, WeightsReadOptions options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"PyTorch weights file '{path}' does not exist.", path);
        using var stream = File.OpenRead(path);
        return Load(stream, path, entry, options);
    }

    /// <summary>Reads a state dict from a stream holding a PyTorch file.</summary>
    /// <param name="stream">The file's bytes; read from its current position (copied to memory if not seekable).</param>
    /// <param name="sourceName">A name for the data (usually the file path), used in error messages.</param>
    /// <param name="entry">See <see cref="Load(string, string?)"/>.</param>
    /// <returns>The tensors by key, in the file's order. The caller owns (and should dispose) them.</returns>
    /// <exception cref="InvalidDataException">The data is not a readable PyTorch state dict.</exception>
    public static Dictionary<string, Tensor> Load(Stream stream, string sourceName, string? entry = null) =>
        Load(stream, sourceName, entry, WeightsReadOptions.Default);

    /// <summary>Reads a state dict from a stream holding a PyTorch file, with the given limits.</summary>
    /// <param name="stream">The file's bytes; read from its current position (copied to memory if not seekable).</param>
    /// <param name="sourceName">A name for the data (usually the file path), used in error messages.</param>
    /// <param name="entry">See <see cref="Load(string, string?)"/>.</param>
    /// <param name="options">Limits on what the file may cost (see docs/weights.md, "Limits").</param>
    /// <returns>The tensors by key, in the file's order. The caller owns (and should dispose) them.</returns>
    /// <exception cref="InvalidDataException">The data is not a readable PyTorch state dict or exceeds a limit.</exception>
    public static Dictionary<string, Tensor> Load(Stream stream, string sourceName, string? entry, WeightsReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        Stream seekable = stream;
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            seekable = copy;
        }

        long start = seekable.Position;
        Span<byte> head = stackalloc byte[4];
        int n = seekable.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        seekable.Position = start;

        if (n == 4 && head.SequenceEqual(ZipMagic))
        {
            // ZipArchive reports a corrupt directory or entry with exceptions of several types and without the file
            // name; every one that is not already ours becomes an InvalidDataException naming the file.
            ZipArchive? archive = null;
            try
            {
                archive = new ZipArchive(seekable, ZipArchiveMode.Read, leaveOpen: true);
                return new ZipReader(archive, sourceName, options, seekable.Length - start).Read(entry);
            }
            catch (Exception e) when (IsCorruptZipError(e) && !(e is InvalidDataException && e.Message.Contains(sourceName, StringComparison.Ordinal)))
            {
                throw new InvalidDataException($"{sourceName}: not a readable PyTorch zip file ({e.Message}); the file may be truncated or corrupt.", e);
            }
            finally
            {
                archive?.Dispose();
            }
        }

        if (n >= 2 && head[0] == 0x80 && head[1] <= 5)
        {
            if (seekable.Length - start > int.MaxValue)
                throw new InvalidDataException($"{sourceName}: legacy PyTorch files over 2 GiB are not supported; re-save it in the zip format.");
            var bytes = new byte[seekable.Length - start];
            seekable.ReadExactly(bytes);
            return new LegacyReader(bytes, sourceName, options).Read(entry);
        }

        throw new InvalidDataException(
            $"{sourceName}: not a PyTorch file (expected the zip signature 50 4B 03 04 or a legacy pickle starting 80, found " +
            $"{Convert.ToHexString(head[..n])}{(n < 4 ? ", file too short" : "")}).");
    }

    // What ZipArchive throws for a corrupt directory or entry. Not OutOfMemoryException: sizes are checked before
    // anything is allocated, so a real one means the machine is short of memory, not that the file is bad.
    static bool IsCorruptZipError(Exception e) =>
        e is InvalidDataException or IOException or ArgumentException or OverflowException or NotSupportedException
            or FormatException or IndexOutOfRangeException;

    /// <summary>Reads a PyTorch state dict and loads it into <paramref name="module"/> with <see cref="StateDictLoader.Load"/>'s checks.</summary>
    /// <param name="module">The module to fill; its parameters keep their identity, device and <c>requires_grad</c>.</param>
    /// <param name="path">The <c>.pt</c>/<c>.pth</c> file.</param>
    /// <param name="strict">When <see langword="true"/>, missing or unexpected keys are an error.</param>
    /// <param name="entry">See <see cref="Load(string, string?)"/>.</param>
    /// <returns>Which keys were loaded, missing, unexpected and converted.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is unreadable or does not fit the module; the message names the file and the keys.</exception>
    public static StateDictLoadResult LoadInto(nn.Module module, string path, bool strict = true, string? entry = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = Load(path, entry);
        try
        {
            return StateDictLoader.Load(module, tensors, strict, path);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// A storage named by a persistent id: its key, element type and element count; for a legacy view, the
    /// element range of the root storage it covers.
    /// </summary>
    sealed record StorageRef(string Key, ScalarType DType, long Numel, int ElementSize, long ViewOffset, long ViewNumel)
    {
        /// <summary>Bytes of the root storage (checked against overflow when the reference is read).</summary>
        public long Bytes => Numel * ElementSize;
    }

    /// <summary>A tensor described by the pickle, built only after its key is known so errors can name it.</summary>
    sealed record TensorSpec(StorageRef Storage, long Offset, long[] Size, long[] Stride);

    /// <summary>What both formats share: the allowed globals, tensor rebuilding and the checks.</summary>
    abstract class ReaderBase(string source, WeightsReadOptions options)
    {
        protected string Source { get; } = source;
        protected WeightsReadOptions Options { get; } = options;
        readonly Dictionary<string, Tensor> _storages = new();
        readonly Dictionary<string, long> _builtBytes = new();

        /// <summary>Reads the whole storage <paramref name="s"/> (root, not view) as a 1-D tensor.</summary>
        protected abstract Tensor ReadStorage(string tensorKey, StorageRef s);

        protected PickleReader Pickle(byte[] data, string what, int start = 0) =>
            new(data, $"{Source} ({what})", IsAllowed, Reduce, PersistentLoad, start, Options.MaxPickleObjectBytes);

        protected Dictionary<string, Tensor> ToStateDict(object? root, string? entry)
        {
            if (entry is not null)
            {
                var outer = root as PyDict
                    ?? throw new InvalidDataException($"{Source}: expected a dict holding '{entry}', found {Describe(root)}.");
                var found = outer.Items.FirstOrDefault(kv => kv.Key as string == entry);
                if (found.Key is null)
                    throw new InvalidDataException($"{Source}: the checkpoint has no key '{entry}'; its keys are " +
                                                   string.Join(", ", outer.Items.Select(kv => $"'{kv.Key}'")) + ".");
                root = found.Value;
            }

            var dict = root as PyDict
                ?? throw new InvalidDataException($"{Source}: expected a state dict (a dict of tensors), found {Describe(root)}.");

            using var scope = NewDisposeScope();
            var result = new Dictionary<string, Tensor>(dict.Items.Count);
            foreach (var (keyObj, value) in dict.Items)
            {
                if (keyObj is not string key)
                    throw new InvalidDataException($"{Source}: state-dict keys must be strings, found {Describe(keyObj)}.");
                if (value is not TensorSpec spec)
                {
                    var hint = value is PyDict ? $" (a nested dict: pass entry: \"{key}\" if it holds the weights)" : "";
                    throw new InvalidDataException($"{Source}: key '{key}' holds {Describe(value)}, not a tensor{hint}.");
                }
                result[key] = Build(key, spec);
            }
            foreach (var t in result.Values) t.MoveToOuterDisposeScope();
            return result;
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
                        throw new InvalidDataException($"{Source}: malformed {g} arguments.");
                    return new TensorSpec(storage, offset, Longs(size, "size"), Longs(stride, "stride"));
                case ("torch._utils", "_rebuild_parameter" or "_rebuild_parameter_with_state"):
                    // keep_vars=True state dicts hold Parameters: keep the data, drop autograd state.
                    return args.Length > 0 && args[0] is TensorSpec data
                        ? data : throw new InvalidDataException($"{Source}: malformed {g} arguments.");
                default:
                    throw new InvalidDataException($"{Source}: cannot call {g}.");
            }
        }

        long[] Longs(object?[] items, string what) =>
            items.Select(i => i is long l ? l : throw new InvalidDataException($"{Source}: a tensor {what} holds {Describe(i)}, not an integer."))
                 .ToArray();

        /// <summary>Storage references seen so far, by key (legacy files list the storages' data in key order after the pickle).</summary>
        protected Dictionary<string, StorageRef> Referenced { get; } = new();

        object? PersistentLoad(object? pid)
        {
            // zip:    ('storage', torch.FloatStorage, '<key>', '<location>', <numel>)
            // legacy: ('storage', torch.FloatStorage, '<root key>', '<location>', <numel>, None | ('<view key>', <offset>, <size>))
            if (pid is object?[] { Length: >= 1 } m && m[0] as string == "module")
                throw new InvalidDataException(
                    $"{Source}: the file holds a pickled Python module ({Describe(m.Length > 1 ? m[1] : null)}), not a state dict. " +
                    "Loading never runs code from a file; re-save the weights with torch.save(model.state_dict(), path).");
            if (pid is not object?[] { Length: >= 5 } t || t[0] as string != "storage" || t[1] is not PyGlobal type
                || t[2] is not string key || t[4] is not long numel)
                throw new InvalidDataException($"{Source}: unexpected persistent id {Describe(pid)} (expected a storage reference).");
            if (!StorageTypes.TryGetValue(type.Name, out var info))
                throw new InvalidDataException($"{Source}: storage '{key}' has unsupported type {type}.");
            if (numel < 0) throw new InvalidDataException($"{Source}: storage '{key}' has a negative size {numel}.");
            if (numel > long.MaxValue / info.Size)
                throw new InvalidDataException($"{Source}: storage '{key}' declares {numel} elements of {info.Size} bytes, which overflows 64 bits; the file is corrupt.");

            long viewOffset = 0, viewNumel = numel;
            if (t.Length >= 6 && t[5] is object?[] view)
            {
                if (view.Length != 3 || view[1] is not long vo || view[2] is not long vn || vo < 0 || vn < 0 || vo > numel || vn > numel - vo)
                    throw new InvalidDataException($"{Source}: storage '{key}' has an invalid view {Describe(t[5])}.");
                (viewOffset, viewNumel) = (vo, vn);
            }
            var root = new StorageRef(key, info.DType, numel, info.Size, 0, numel);
            if (Referenced.TryGetValue(key, out var seen) && (seen.DType != root.DType || seen.Numel != root.Numel))
                throw new InvalidDataException($"{Source}: storage '{key}' is referenced with different types or sizes.");
            Referenced[key] = root;
            return root with { ViewOffset = viewOffset, ViewNumel = viewNumel };
        }

        Tensor Build(string key, TensorSpec spec)
        {
            if (spec.Size.Length != spec.Stride.Length)
                throw new InvalidDataException($"{Source}: key '{key}' has {spec.Size.Length} sizes but {spec.Stride.Length} strides.");
            var s = spec.Storage;
            if (TensorShapes.ByteCount(spec.Size, s.ElementSize) is not { } tensorBytes)
                throw new InvalidDataException($"{Source}: key '{key}' has a shape [{string.Join(", ", spec.Size)}] too large to address.");
            long count = 1, last = spec.Offset;
            try
            {
                for (int i = 0; i < spec.Size.Length; i++)
                {
                    if (spec.Size[i] < 0 || spec.Stride[i] < 0)
                        throw new InvalidDataException($"{Source}: key '{key}' has a negative size or stride.");
                    count = checked(count * spec.Size[i]);
                    if (spec.Size[i] > 0) last = checked(last + (spec.Size[i] - 1) * spec.Stride[i]);
                }
            }
            catch (OverflowException)
            {
                throw new InvalidDataException($"{Source}: key '{key}' has a shape too large to address.");
            }
            if (spec.Offset < 0 || (count > 0 && last >= s.ViewNumel) || spec.Offset > s.ViewNumel)
                throw new InvalidDataException(
                    $"{Source}: key '{key}' (shape [{string.Join(", ", spec.Size)}], strides [{string.Join(", ", spec.Stride)}], " +
                    $"offset {spec.Offset}) reaches beyond its storage '{s.Key}' of {s.ViewNumel} elements.");

            CheckBacking(key, spec, tensorBytes);
            var result = empty(spec.Size, s.DType);
            if (count > 0)
            {
                if (!_storages.TryGetValue(s.Key, out var storage))
                    _storages[s.Key] = storage = ReadStorage(key, s);
                result.copy_(storage.as_strided(spec.Size, spec.Stride, s.ViewOffset + spec.Offset));
            }
            return result;
        }

        // A tensor is copied out in full, so a stride-0 or overlapping view of a small storage could ask for gigabytes
        // (a 486-byte file viewing one float as [2^29] made 2 GiB). Each tensor may be at most as large as the storage
        // bytes its view covers, and the tensors of one storage together at most MaxStorageReuse times its size.
        void CheckBacking(string key, TensorSpec spec, long tensorBytes)
        {
            if (Options.AllowTensorsLargerThanStorage) return;
            var s = spec.Storage;
            long viewBytes = s.ViewNumel * s.ElementSize;
            if (tensorBytes > viewBytes)
                throw new InvalidDataException(
                    $"{Source}: key '{key}' (shape [{string.Join(", ", spec.Size)}], strides [{string.Join(", ", spec.Stride)}]) would be " +
                    $"{tensorBytes} bytes built from {viewBytes} bytes of storage '{s.Key}' (a stride-0 or overlapping view); " +
                    "set WeightsReadOptions.AllowTensorsLargerThanStorage to load such a file you trust.");
            _builtBytes.TryGetValue(s.Key, out var built);
            built += tensorBytes;
            _builtBytes[s.Key] = built;
            if (built > Math.Max(s.Bytes, 1) * (long)Options.MaxStorageReuse)
                throw new InvalidDataException(
                    $"{Source}: key '{key}': the tensors built from storage '{s.Key}' ({s.Bytes} bytes) add up to {built} bytes, more than " +
                    $"{Options.MaxStorageReuse} times its size (WeightsReadOptions.MaxStorageReuse; AllowTensorsLargerThanStorage lifts the check).");
        }

        protected static Tensor ToTensor(byte[] bytes, StorageRef s)
        {
            var t = empty(s.Numel, s.DType);
            if (bytes.Length > 0) t.bytes = bytes;
            return t;
        }

        protected static string Describe(object? o) => o switch
        {
            null => "None",
            string s => $"the string '{(s.Length <= 80 ? s : s[..80] + "…")}'",
            long l => $"the integer {l}",
            bool b => b ? "True" : "False",
            double d => $"the float {d}",
            PyGlobal g => $"the Python object {g}",
            PyDict => "a dict",
            List<object?> => "a list",
            object?[] t => $"a tuple of {t.Length}",
            TensorSpec => "a tensor",
            _ => o.GetType().Name,
        };
    }

    sealed class ZipReader : ReaderBase
    {
        readonly ZipArchive _archive;
        readonly string _prefix;
        readonly long _fileLength;

        public ZipReader(ZipArchive archive, string source, WeightsReadOptions options, long fileLength) : base(source, options)
        {
            _archive = archive;
            _fileLength = fileLength;
            var pkl = archive.Entries.FirstOrDefault(e =>
                e.FullName == "data.pkl" || (e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                             && e.FullName.IndexOf('/') == e.FullName.Length - "/data.pkl".Length))
                ?? throw new InvalidDataException($"{source}: the zip has no data.pkl entry, so it is not a PyTorch checkpoint.");
            _prefix = pkl.FullName[..^"data.pkl".Length];
        }

        public Dictionary<string, Tensor> Read(string? entry)
        {
            CheckByteOrder();
            var bytes = ReadEntry(_archive.GetEntry(_prefix + "data.pkl")!, Options.MaxPickleBytes, "entry 'data.pkl'");
            return ToStateDict(Pickle(bytes, "data.pkl").Load(), entry);
        }

        void CheckByteOrder()
        {
            var order = _archive.GetEntry(_prefix + "byteorder");
            if (order is null) return; // files before PyTorch 2.1 have none: they are little-endian.
            var text = Encoding.ASCII.GetString(ReadEntry(order, 16, "entry 'byteorder'")).Trim();
            if (text != "little")
                throw new InvalidDataException($"{Source}: tensors are stored {text}-endian; only little-endian files are supported.");
        }

        protected override Tensor ReadStorage(string tensorKey, StorageRef s)
        {
            var name = _prefix + "data/" + s.Key;
            var entry = _archive.GetEntry(name)
                ?? throw new InvalidDataException($"{Source}: key '{tensorKey}' refers to storage '{s.Key}', but the zip has no entry '{name}'.");
            long expected = s.Bytes;
            if (entry.Length != expected)
                throw new InvalidDataException(
                    $"{Source}: key '{tensorKey}': storage '{s.Key}' should hold {s.Numel} × {s.ElementSize} = {expected} bytes, but its entry has {entry.Length}.");
            return ToTensor(ReadEntry(entry, long.MaxValue, $"entry '{name}' (storage of key '{tensorKey}')"), s);
        }

        byte[] ReadEntry(ZipArchiveEntry entry, long maxBytes, string what)
        {
            // The sizes come from the zip directory: check them against the file before allocating anything.
            if (entry.Length > maxBytes || entry.Length > Array.MaxLength)
                throw new InvalidDataException($"{Source}: {what} is {entry.Length} bytes, more than the {Math.Min(maxBytes, Array.MaxLength)} this reader accepts.");
            if (entry.CompressedLength < 0 || entry.CompressedLength > _fileLength)
                throw new InvalidDataException($"{Source}: {what} claims {entry.CompressedLength} compressed bytes in a {_fileLength}-byte file; the file is truncated or corrupt.");
            if (entry.Length > Math.Max(entry.CompressedLength, 1) * (long)Options.MaxZipCompressionRatio)
                throw new InvalidDataException(
                    $"{Source}: {what} expands {entry.CompressedLength} bytes to {entry.Length}, more than the ratio of " +
                    $"{Options.MaxZipCompressionRatio} (WeightsReadOptions.MaxZipCompressionRatio) that torch.save's files ever need.");
            var buffer = new byte[entry.Length];
            try
            {
                using var s = entry.Open();
                s.ReadExactly(buffer);
                // The data must end where the directory says it does.
                if (s.ReadByte() >= 0)
                    throw new InvalidDataException($"{Source}: {what} holds more than the {entry.Length} bytes its directory entry declares.");
            }
            catch (Exception e) when (IsCorruptZipError(e) && !(e is InvalidDataException && e.Message.StartsWith(Source, StringComparison.Ordinal)))
            {
                throw new InvalidDataException($"{Source}: {what} is truncated or corrupt ({e.Message}).", e);
            }
            // ZipArchive does not verify entry CRCs when reading: a flipped bit in a storage must not load as a changed weight.
            var crc = System.IO.Hashing.Crc32.HashToUInt32(buffer);
            if (crc != entry.Crc32)
                throw new InvalidDataException(
                    $"{Source}: {what} fails its CRC-32 check (directory 0x{entry.Crc32:x8}, data 0x{crc:x8}); the file is corrupt.");
            return buffer;
        }
    }

    /// <summary>
    /// The pre-1.6 format: pickles of the magic number, the protocol version, system info and the object, then a
    /// pickled list of storage keys, then each storage as an int64 element count followed by its raw bytes.
    /// </summary>
    sealed class LegacyReader(byte[] data, string source, WeightsReadOptions options) : ReaderBase(source, options)
    {
        static readonly BigInteger Magic = BigInteger.Parse("1950a86a20f9469cfc6c", System.Globalization.NumberStyles.HexNumber);
        readonly Dictionary<string, (long Offset, long Numel)> _data = new();

        public Dictionary<string, Tensor> Read(string? entry)
        {
            var header = Pickle(data, "legacy header");
            var magic = header.Load();
            if (magic is not BigInteger m || m != Magic)
                throw new InvalidDataException($"{Source}: not a PyTorch file (a pickle of {Describe(magic)} where the legacy magic number belongs).");
            var versionReader = Pickle(data, "legacy header", header.Position);
            var version = versionReader.Load();
            if (version is not 1001L)
                throw new InvalidDataException($"{Source}: unsupported legacy PyTorch protocol version {Describe(version)} (expected 1001).");
            var infoReader = Pickle(data, "legacy header", versionReader.Position);
            var info = infoReader.Load() as PyDict;
            if (info?.Items.FirstOrDefault(kv => kv.Key as string == "little_endian").Value is false)
                throw new InvalidDataException($"{Source}: written on a big-endian machine; only little-endian files are supported.");

            var body = Pickle(data, "legacy pickle", infoReader.Position);
            var root = body.Load();
            var keysReader = Pickle(data, "legacy storage list", body.Position);
            if (keysReader.Load() is not List<object?> keys)
                throw new InvalidDataException($"{Source}: the legacy storage list is missing or malformed.");

            long pos = keysReader.Position;
            foreach (var k in keys)
            {
                if (k is not string key || !Referenced.TryGetValue(key, out var s))
                    throw new InvalidDataException($"{Source}: the legacy storage list names {Describe(k)}, which no tensor uses.");
                if (data.Length - pos < 8)
                    throw new InvalidDataException($"{Source}: truncated before the data of storage '{key}'.");
                long numel = BinaryPrimitives.ReadInt64LittleEndian(data.AsSpan((int)pos, 8));
                pos += 8;
                if (numel != s.Numel)
                    throw new InvalidDataException($"{Source}: storage '{key}' holds {numel} elements on disk but {s.Numel} in its description.");
                if (numel < 0 || numel > (data.Length - pos) / s.ElementSize)
                    throw new InvalidDataException(
                        $"{Source}: truncated or corrupt: storage '{key}' declares {numel} elements of {s.ElementSize} bytes at offset {pos}, but the file ends at {data.Length}.");
                long bytes = numel * s.ElementSize;
                if (bytes > data.Length - pos)
                    throw new InvalidDataException(
                        $"{Source}: truncated: storage '{key}' needs {bytes} bytes at offset {pos}, but the file ends at {data.Length}.");
                _data[key] = (pos, numel);
                pos += bytes;
            }
            return ToStateDict(root, entry);
        }

        protected override Tensor ReadStorage(string tensorKey, StorageRef s)
        {
            if (!_data.TryGetValue(s.Key, out var at))
                throw new InvalidDataException($"{Source}: key '{tensorKey}' refers to storage '{s.Key}', which the file does not contain.");
            return ToTensor(data.AsSpan((int)at.Offset, (int)(at.Numel * s.ElementSize)).ToArray(), s);
        }
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
