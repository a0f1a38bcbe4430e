using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Weights.TensorFlow;

/// <summary>
/// A TensorFlow (V2 "tensor bundle") checkpoint read natively, without TensorFlow: the <c>&lt;prefix&gt;.index</c>
/// table lists every variable's dtype, shape, shard, offset, size and CRC-32C; the bytes live in
/// <c>&lt;prefix&gt;.data-NNNNN-of-MMMMM</c>. Opening reads and validates only the index; tensors are read on demand
/// and each one's checksum is verified.
/// </summary>
public sealed class TensorFlowCheckpoint
{
    /// <summary>Largest index file accepted (index files of real models are kilobytes to a few megabytes).</summary>
    public const long MaxIndexBytes = 256L * 1024 * 1024;

    private const int BundleVersion = 1;
    private readonly Dictionary<string, TensorFlowTensorInfo> _byName;
    private readonly string? _indexPath;
    private readonly IReadOnlyList<string>? _dataPaths;

    private TensorFlowCheckpoint(string prefix, int shardCount, List<TensorFlowTensorInfo> tensors, string? indexPath = null, IReadOnlyList<string>? dataPaths = null)
    {
        Prefix = prefix;
        ShardCount = shardCount;
        Tensors = tensors.AsReadOnly();
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _indexPath = indexPath;
        _dataPaths = dataPaths;
    }

    /// <summary>The checkpoint prefix, e.g. <c>/models/rgb_imagenet/model.ckpt</c>.</summary>
    public string Prefix { get; }

    /// <summary>The index file, <c>&lt;prefix&gt;.index</c>.</summary>
    public string IndexPath => _indexPath ?? Prefix + ".index";

    /// <summary>Number of data shards.</summary>
    public int ShardCount { get; }

    /// <summary>Every variable of the checkpoint, sorted by name.</summary>
    public IReadOnlyList<TensorFlowTensorInfo> Tensors { get; }

    /// <summary>Whether <paramref name="path"/> names a TensorFlow checkpoint: its prefix, its <c>.index</c> file, or a folder holding one.</summary>
    /// <param name="path">A path.</param>
    /// <returns><see langword="true"/> when <see cref="Open"/> would find an index file.</returns>
    public static bool Exists(string path) => TryResolvePrefix(path, out _, out _);

    /// <summary>Opens a checkpoint and validates its index.</summary>
    /// <param name="path">The checkpoint prefix (<c>model.ckpt</c>), its <c>.index</c> file, or a folder holding exactly one <c>.index</c> file.</param>
    /// <returns>The opened checkpoint.</returns>
    /// <exception cref="FileNotFoundException">No index file was found.</exception>
    /// <exception cref="InvalidDataException">The index is corrupt; the message names the file and, where there is one, the variable.</exception>
    public static TensorFlowCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!TryResolvePrefix(path, out var prefix, out var why))
        {
            throw new FileNotFoundException(why, path);
        }

        var indexPath = prefix + ".index";
        var length = new FileInfo(indexPath).Length;
        if (length > MaxIndexBytes)
        {
            throw new InvalidDataException($"TensorFlow index '{indexPath}' is {length} bytes, above the {MaxIndexBytes}-byte limit for an index file.");
        }

        return Parse(File.ReadAllBytes(indexPath), indexPath, prefix, null, null);
    }

    /// <summary>
    /// Opens a checkpoint from index bytes the caller trusts (e.g. a published index shipped with I3D.Net) whose data
    /// shards are at <paramref name="dataPaths"/>, so every tensor read is verified against that index, not against
    /// whatever index lies beside the data.
    /// </summary>
    /// <param name="index">The index file's bytes.</param>
    /// <param name="indexName">How messages name the index.</param>
    /// <param name="dataPaths">The data file of each shard, in shard order.</param>
    internal static TensorFlowCheckpoint OpenTrusted(byte[] index, string indexName, IReadOnlyList<string> dataPaths)
    {
        var checkpoint = Parse(index, indexName, indexName, indexName, dataPaths);
        if (checkpoint.ShardCount != dataPaths.Count)
        {
            throw new InvalidDataException($"TensorFlow index '{indexName}' describes {checkpoint.ShardCount} data shard(s), but {dataPaths.Count} data file(s) were given.");
        }

        return checkpoint;
    }

    /// <summary>The number of bytes each shard must hold at least: the end of its last tensor.</summary>
    internal long[] ShardLengths()
    {
        var lengths = new long[ShardCount];
        foreach (var t in Tensors)
        {
            lengths[t.ShardId] = Math.Max(lengths[t.ShardId], t.Offset + t.Size);
        }

        return lengths;
    }

    private static TensorFlowCheckpoint Parse(byte[] index, string indexPath, string prefix, string? indexName, IReadOnlyList<string>? dataPaths)
    {
        var entries = SortedTableReader.ReadAll(index, indexPath);
        if (entries.Count == 0 || entries[0].Key.Length != 0)
        {
            throw new InvalidDataException($"TensorFlow index '{indexPath}' has no bundle header (the entry with the empty key); it is not a V2 checkpoint index.");
        }

        var shardCount = ParseHeader(entries[0].Value, indexPath);
        var tensors = new List<TensorFlowTensorInfo>(entries.Count - 1);
        foreach (var (key, value) in entries.Skip(1))
        {
            var name = SortedTableReader.Key(key);
            try
            {
                tensors.Add(ParseEntry(name, value, shardCount));
            }
            catch (FormatException e)
            {
                throw new InvalidDataException($"TensorFlow index '{indexPath}', variable '{name}': {e.Message}.", e);
            }
        }

        return new TensorFlowCheckpoint(prefix, shardCount, tensors, indexName, dataPaths);
    }

    /// <summary>Looks up a variable by name.</summary>
    /// <param name="name">The full variable name.</param>
    /// <param name="info">The variable when found.</param>
    /// <returns><see langword="true"/> when the checkpoint holds the variable.</returns>
    public bool TryGetTensor(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TensorFlowTensorInfo? info) =>
        _byName.TryGetValue(name, out info);

    /// <summary>The data file of a shard: <c>&lt;prefix&gt;.data-NNNNN-of-MMMMM</c>.</summary>
    /// <param name="shard">The shard number.</param>
    /// <returns>The file path.</returns>
    public string DataPath(int shard) => _dataPaths?[shard] ?? $"{Prefix}.data-{shard:D5}-of-{ShardCount:D5}";

    /// <summary>Reads one variable onto the CPU in TensorFlow's layout, verifying its CRC-32C.</summary>
    /// <param name="name">The full variable name.</param>
    /// <returns>A new tensor the caller owns.</returns>
    /// <exception cref="KeyNotFoundException">The checkpoint has no such variable.</exception>
    /// <exception cref="FileNotFoundException">The variable's data shard is missing.</exception>
    /// <exception cref="InvalidDataException">The data is truncated, fails its checksum, or has an unsupported type; the message names the variable.</exception>
    public Tensor Read(string name)
    {
        if (!_byName.TryGetValue(name, out var info))
        {
            throw new KeyNotFoundException($"TensorFlow checkpoint '{Prefix}' has no variable '{name}'.");
        }

        using var stream = OpenShard(info);
        return Read(info, stream);
    }

    /// <summary>Reads several variables (all when <paramref name="names"/> is null), opening each shard once.</summary>
    /// <param name="names">The variables to read, or <see langword="null"/> for all of them.</param>
    /// <returns>New tensors keyed by variable name; the caller owns them.</returns>
    /// <exception cref="KeyNotFoundException">A name is not in the checkpoint.</exception>
    /// <exception cref="FileNotFoundException">A data shard is missing.</exception>
    /// <exception cref="InvalidDataException">Data is truncated, fails its checksum, or has an unsupported type; the message names the variable.</exception>
    public Dictionary<string, Tensor> ReadAll(IEnumerable<string>? names = null)
    {
        var infos = names is null
            ? Tensors.ToList()
            : names.Select(n => _byName.TryGetValue(n, out var i) ? i : throw new KeyNotFoundException($"TensorFlow checkpoint '{Prefix}' has no variable '{n}'.")).ToList();

        var result = new Dictionary<string, Tensor>(infos.Count, StringComparer.Ordinal);
        try
        {
            foreach (var shard in infos.GroupBy(i => i.ShardId).OrderBy(g => g.Key))
            {
                using var stream = OpenShard(shard.First());
                foreach (var info in shard.OrderBy(i => i.Offset))
                {
                    result[info.Name] = Read(info, stream);
                }
            }
        }
        catch
        {
            foreach (var t in result.Values)
            {
                t.Dispose();
            }

            throw;
        }

        return infos.ToDictionary(i => i.Name, i => result[i.Name], StringComparer.Ordinal);
    }

    private FileStream OpenShard(TensorFlowTensorInfo info)
    {
        var path = DataPath(info.ShardId);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"TensorFlow checkpoint data file '{path}' (shard {info.ShardId} of {ShardCount}, needed for variable '{info.Name}') does not exist.", path);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    private Tensor Read(TensorFlowTensorInfo info, FileStream stream)
    {
        var path = stream.Name;
        if (info.DType is not { } dtype)
        {
            throw new InvalidDataException($"TensorFlow checkpoint '{Prefix}', variable '{info.Name}': type {TensorFlowDataType.Describe(info.DataType)} cannot be read as a tensor.");
        }

        if (info.IsPartitioned)
        {
            throw new InvalidDataException($"TensorFlow checkpoint '{Prefix}', variable '{info.Name}' is stored as slices of a partitioned variable, which I3D.Net does not read.");
        }

        if (info.Offset + info.Size > stream.Length)
        {
            throw new InvalidDataException(
                $"TensorFlow data file '{path}' is truncated: variable '{info.Name}' needs bytes [{info.Offset}, {info.Offset + info.Size}) but the file has {stream.Length}.");
        }

        if (info.Size > Array.MaxLength)
        {
            throw new InvalidDataException($"TensorFlow checkpoint '{Prefix}', variable '{info.Name}' is {info.Size} bytes, larger than I3D.Net reads in one piece.");
        }

        var bytes = new byte[info.Size];
        stream.Seek(info.Offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        var crc = Crc32C.Compute(bytes);
        if (crc != info.Crc32C)
        {
            throw new InvalidDataException(
                $"TensorFlow data file '{path}': variable '{info.Name}' fails its CRC-32C check (index says 0x{info.Crc32C:x8}, data gives 0x{crc:x8}); the file is corrupt or belongs to another checkpoint.");
        }

        if (dtype == ScalarType.Bool && Array.FindIndex(bytes, b => b > 1) is var bad and >= 0)
        {
            throw new InvalidDataException($"TensorFlow data file '{path}': bool variable '{info.Name}' holds byte value {bytes[bad]} at element {bad}.");
        }

        var tensor = torch.empty(info.Shape.ToArray(), dtype, device: CPU);
        if (bytes.Length > 0)
        {
            tensor.bytes = bytes;
        }

        return tensor;
    }

    private static int ParseHeader(ReadOnlySpan<byte> value, string indexPath)
    {
        try
        {
            var reader = new ProtoReader(value);
            ulong shards = 0;
            ulong endianness = 0;
            ulong minConsumer = 0;
            while (!reader.End)
            {
                var (field, wire) = reader.ReadTag();
                switch (field)
                {
                    case 1:
                        ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                        shards = reader.ReadVarint();
                        break;
                    case 2:
                        ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                        endianness = reader.ReadVarint();
                        break;
                    case 3:
                        ProtoReader.Expect(field, wire, ProtoReader.WireLengthDelimited);
                        var version = new ProtoReader(reader.ReadLengthDelimited());
                        while (!version.End)
                        {
                            var (vField, vWire) = version.ReadTag();
                            if (vField == 2 && vWire == ProtoReader.WireVarint)
                            {
                                minConsumer = version.ReadVarint();
                            }
                            else
                            {
                                version.Skip(vWire);
                            }
                        }

                        break;
                    default:
                        reader.Skip(wire);
                        break;
                }
            }

            if (shards is 0 or > 100_000)
            {
                throw new FormatException($"the bundle header declares {shards} shards");
            }

            if (endianness != 0)
            {
                throw new FormatException("the checkpoint was written big-endian, which I3D.Net does not read");
            }

            if (minConsumer > BundleVersion)
            {
                throw new FormatException($"the checkpoint needs tensor bundle reader version {minConsumer}; I3D.Net reads version {BundleVersion}");
            }

            return (int)shards;
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"TensorFlow index '{indexPath}': bad bundle header: {e.Message}.", e);
        }
    }

    private static TensorFlowTensorInfo ParseEntry(string name, ReadOnlySpan<byte> value, int shardCount)
    {
        var reader = new ProtoReader(value);
        var dataType = 0;
        var shape = new List<long>();
        ulong shard = 0, offset = 0, size = 0;
        uint crc = 0;
        var partitioned = false;
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            switch (field)
            {
                case 1:
                    ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                    dataType = (int)reader.ReadVarint();
                    break;
                case 2:
                    ProtoReader.Expect(field, wire, ProtoReader.WireLengthDelimited);
                    ParseShape(reader.ReadLengthDelimited(), shape);
                    break;
                case 3:
                    ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                    shard = reader.ReadVarint();
                    break;
                case 4:
                    ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                    offset = reader.ReadVarint();
                    break;
                case 5:
                    ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                    size = reader.ReadVarint();
                    break;
                case 6:
                    ProtoReader.Expect(field, wire, ProtoReader.WireFixed32);
                    crc = reader.ReadFixed32();
                    break;
                case 7:
                    partitioned = true;
                    reader.Skip(wire);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (shard >= (ulong)shardCount)
        {
            throw new FormatException($"it is in shard {shard}, but the checkpoint has {shardCount} shard(s)");
        }

        if (offset > long.MaxValue || size > long.MaxValue || offset + size > long.MaxValue)
        {
            throw new FormatException($"offset {offset} and size {size} are out of range");
        }

        var dtype = TensorFlowDataType.ToScalarType(dataType);
        if (dtype is { } t && !partitioned)
        {
            long expected;
            try
            {
                expected = SafeTensorsDType.ElementSize(t);
                foreach (var d in shape)
                {
                    expected = checked(expected * d);
                }
            }
            catch (OverflowException)
            {
                throw new FormatException($"shape [{string.Join(", ", shape)}] is too large");
            }

            if ((ulong)expected != size)
            {
                throw new FormatException($"shape [{string.Join(", ", shape)}] of {t} needs {expected} bytes but the entry says {size}");
            }
        }

        return new TensorFlowTensorInfo(name, dataType, dtype, shape.AsReadOnly(), (int)shard, (long)offset, (long)size, Crc32C.Unmask(crc), partitioned);
    }

    private static void ParseShape(ReadOnlySpan<byte> message, List<long> shape)
    {
        var reader = new ProtoReader(message);
        while (!reader.End)
        {
            var (field, wire) = reader.ReadTag();
            if (field == 2)
            {
                ProtoReader.Expect(field, wire, ProtoReader.WireLengthDelimited);
                var dim = new ProtoReader(reader.ReadLengthDelimited());
                long size = 0;
                while (!dim.End)
                {
                    var (dField, dWire) = dim.ReadTag();
                    if (dField == 1)
                    {
                        ProtoReader.Expect(dField, dWire, ProtoReader.WireVarint);
                        size = (long)dim.ReadVarint();
                    }
                    else
                    {
                        dim.Skip(dWire);
                    }
                }

                if (size < 0)
                {
                    throw new FormatException($"shape dimension {size} is not a known non-negative size");
                }

                shape.Add(size);
            }
            else if (field == 3)
            {
                ProtoReader.Expect(field, wire, ProtoReader.WireVarint);
                if (reader.ReadVarint() != 0)
                {
                    throw new FormatException("the shape has unknown rank");
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private static bool TryResolvePrefix(string path, out string prefix, out string why)
    {
        prefix = string.Empty;
        if (Directory.Exists(path))
        {
            var indexes = Directory.GetFiles(path, "*.index");
            if (indexes.Length == 1)
            {
                prefix = indexes[0][..^".index".Length];
                why = string.Empty;
                return true;
            }

            why = indexes.Length == 0
                ? $"Folder '{path}' holds no TensorFlow checkpoint (*.index) file."
                : $"Folder '{path}' holds {indexes.Length} checkpoints ({string.Join(", ", indexes.Select(Path.GetFileName))}); pass the one to use.";
            return false;
        }

        var candidate = path.EndsWith(".index", StringComparison.Ordinal) ? path[..^".index".Length] : path;
        if (File.Exists(candidate + ".index"))
        {
            prefix = candidate;
            why = string.Empty;
            return true;
        }

        why = $"TensorFlow checkpoint index '{candidate}.index' does not exist.";
        return false;
    }
}
