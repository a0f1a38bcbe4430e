using I3D.Net.IO;
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Weights.SafeTensors;

/// <summary>
/// Reads and writes the <see href="https://github.com/huggingface/safetensors">safetensors</see> format, I3D.Net's
/// default weights format: an 8-byte little-endian header length, a UTF-8 JSON header
/// (<c>{"name": {"dtype", "shape", "data_offsets"}, "__metadata__": {…}}</c>) and the raw little-endian tensor bytes.
/// Nothing in a file is executed; every header field is validated before any tensor is allocated.
/// </summary>
public static class SafeTensorsFile
{
    /// <summary>Largest header accepted (100 MB, the same cap as the reference implementation).</summary>
    public const long MaxHeaderBytes = 100L * 1024 * 1024;

    /// <summary>The header key that holds the free-form string metadata.</summary>
    public const string MetadataKey = "__metadata__";

    private const int CopyBufferBytes = 1 << 20;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads and validates the header of a safetensors file without reading tensor data.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The validated header.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or its header is malformed; the message names the file and, where there is one, the key.</exception>
    public static SafeTensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, path);
    }

    /// <summary>Loads every tensor of a safetensors file onto the CPU.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The tensors keyed by name, in header order. The caller owns (and disposes) them.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or malformed; the message names the file and the key.</exception>
    public static Dictionary<string, Tensor> Load(string path) => Load(path, out _);

    /// <summary>Loads every tensor of a safetensors file onto the CPU, also returning its <c>__metadata__</c>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="metadata">The file's string metadata (empty when it has none).</param>
    /// <returns>The tensors keyed by name, in header order. The caller owns (and disposes) them.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is truncated or malformed; the message names the file and the key.</exception>
    public static Dictionary<string, Tensor> Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        EnsureLittleEndian();
        using var stream = OpenRead(path);
        var header = ReadHeader(stream, path);
        metadata = header.Metadata;

        var result = new Dictionary<string, Tensor>(header.Tensors.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Tensors)
            {
                var tensor = torch.empty(entry.Shape.ToArray(), entry.DType, device: CPU);
                result.Add(entry.Name, tensor);
                if (entry.ByteLength == 0)
                {
                    continue;
                }

                stream.Seek(header.DataOffset + entry.Begin, SeekOrigin.Begin);
                try
                {
                    if (entry.DType == ScalarType.Bool)
                    {
                        // Bytes other than 0/1 are not valid booleans; check them before they reach a tensor.
                        var raw = new byte[entry.ByteLength];
                        stream.ReadExactly(raw);
                        CheckBoolBytes(raw, entry, path);
                        tensor.bytes = raw;
                    }
                    else
                    {
                        tensor.ReadBytesFromStream(stream, (int)Math.Min(CopyBufferBytes, entry.ByteLength));
                    }
                }
                catch (EndOfStreamException e)
                {
                    // The length was checked up front; this only happens when the file shrinks while we read it.
                    throw new InvalidDataException($"Safetensors file '{path}' ended while reading tensor '{entry.Name}'.", e);
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

        return result;
    }

    /// <summary>
    /// Writes tensors to a safetensors file atomically: the file is written to a temporary file in the same folder
    /// and then renamed over <paramref name="path"/>, so readers never see a half-written file.
    /// </summary>
    /// <param name="path">The destination file; its folder must exist.</param>
    /// <param name="tensors">The tensors to store (any device; copied to the CPU as needed).</param>
    /// <param name="metadata">Optional string metadata stored under <c>__metadata__</c>.</param>
    /// <exception cref="ArgumentException">A key is empty or reserved, or a tensor's dtype cannot be stored.</exception>
    /// <exception cref="DirectoryNotFoundException">The destination folder does not exist.</exception>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        EnsureLittleEndian();

        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Cannot save safetensors file '{fullPath}': folder '{folder}' does not exist.");
        }

        using var scope = torch.NewDisposeScope();

        // Validate everything before touching the disk.
        var items = new List<(string Name, ScalarType DType, string DTypeName, long[] Shape, Tensor Data)>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name))
            {
                throw new ArgumentException($"Cannot save '{fullPath}': a tensor key is empty.", nameof(tensors));
            }

            if (name == MetadataKey)
            {
                throw new ArgumentException($"Cannot save '{fullPath}': '{MetadataKey}' is reserved for metadata and cannot be a tensor key.", nameof(tensors));
            }

            if (tensor is null)
            {
                throw new ArgumentException($"Cannot save '{fullPath}': tensor '{name}' is null.", nameof(tensors));
            }

            if (!SafeTensorsDType.TryGetName(tensor.dtype, out var dtypeName))
            {
                throw new ArgumentException(
                    $"Cannot save '{fullPath}': tensor '{name}' has dtype {tensor.dtype}; supported are {string.Join(", ", SafeTensorsDType.SupportedNames)}.",
                    nameof(tensors));
            }

            var data = tensor.detach().cpu().contiguous();
            items.Add((name, tensor.dtype, dtypeName, tensor.shape, data));
        }

        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                if (key is null || value is null)
                {
                    throw new ArgumentException($"Cannot save '{fullPath}': metadata keys and values must not be null.", nameof(metadata));
                }
            }
        }

        // Larger elements first keeps every tensor aligned to its element size, as the reference writer does.
        items.Sort((a, b) =>
        {
            var bySize = SafeTensorsDType.ElementSize(b.DType).CompareTo(SafeTensorsDType.ElementSize(a.DType));
            return bySize != 0 ? bySize : string.CompareOrdinal(a.Name, b.Name);
        });

        var headerBytes = BuildHeader(items.Select(i => (i.Name, i.DTypeName, i.Shape, i.Data.NumberOfElements * SafeTensorsDType.ElementSize(i.DType))), metadata);

        AtomicFile.Write(fullPath, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)headerBytes.Length);
            stream.Write(length);
            stream.Write(headerBytes);
            foreach (var item in items)
            {
                var bytes = item.Data.NumberOfElements * SafeTensorsDType.ElementSize(item.DType);
                if (bytes > 0)
                {
                    item.Data.WriteBytesToStream(stream, (int)Math.Min(CopyBufferBytes, bytes));
                }
            }
        });
    }

    private static byte[] BuildHeader(IEnumerable<(string Name, string DType, long[] Shape, long Bytes)> items, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var (name, dtype, shape, bytes) in items)
            {
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (var d in shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }

            json.WriteEndObject();
        }

        // Pad with spaces so the data section starts 8-byte aligned (the format allows trailing whitespace).
        var padding = (int)((8 - (buffer.Length % 8)) % 8);
        for (var i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }

        return buffer.ToArray();
    }

    internal static SafeTensorsHeader ReadHeader(Stream stream, string path)
    {
        var fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new InvalidDataException($"Safetensors file '{path}' is truncated: {fileLength} bytes, but the 8-byte header length alone needs 8.");
        }

        Span<byte> lengthBytes = stackalloc byte[8];
        stream.Seek(0, SeekOrigin.Begin);
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw new InvalidDataException($"Safetensors file '{path}' declares a {headerLength}-byte header, above the {MaxHeaderBytes}-byte limit; the file is corrupt or not safetensors.");
        }

        if ((long)headerLength > fileLength - 8)
        {
            throw new InvalidDataException($"Safetensors file '{path}' is truncated: its header declares {headerLength} bytes but only {fileLength - 8} follow the length field.");
        }

        if (headerLength < 2)
        {
            throw new InvalidDataException($"Safetensors file '{path}' has a {headerLength}-byte header; a JSON object needs at least 2.");
        }

        var headerBytes = new byte[(int)headerLength];
        stream.ReadExactly(headerBytes);
        string headerText;
        try
        {
            headerText = StrictUtf8.GetString(headerBytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"Safetensors file '{path}': the header is not valid UTF-8.", e);
        }

        if (headerText[0] != '{')
        {
            throw new InvalidDataException($"Safetensors file '{path}': the header must be a JSON object starting with '{{' but starts with '{Printable(headerText[0])}'.");
        }

        var dataOffset = 8 + (long)headerLength;
        var dataLength = fileLength - dataOffset;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(headerText);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Safetensors file '{path}': the header is not valid JSON ({e.Message}).", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"Safetensors file '{path}': the header must be a JSON object, found {document.RootElement.ValueKind}.");
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            var entries = new List<SafeTensorsEntry>();
            IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new InvalidDataException($"Safetensors file '{path}': key '{property.Name}' appears more than once in the header.");
                }

                if (property.Name == MetadataKey)
                {
                    metadata = ParseMetadata(property.Value, path);
                }
                else
                {
                    entries.Add(ParseEntry(property.Name, property.Value, path));
                }
            }

            CheckLayout(entries, dataLength, path);
            return new SafeTensorsHeader(entries.AsReadOnly(), metadata, dataOffset);
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"Safetensors file '{path}': '{MetadataKey}' must be an object of strings, found {element.ValueKind}.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in element.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new InvalidDataException($"Safetensors file '{path}': metadata key '{item.Name}' must hold a string, found {item.Value.ValueKind}.");
            }

            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new InvalidDataException($"Safetensors file '{path}': metadata key '{item.Name}' appears more than once.");
            }
        }

        return metadata;
    }

    private static SafeTensorsEntry ParseEntry(string name, JsonElement element, string path)
    {
        string Where() => $"Safetensors file '{path}', tensor '{name}'";
        if (name.Length == 0)
        {
            throw new InvalidDataException($"Safetensors file '{path}': a tensor has an empty key.");
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{Where()}: expected an object with dtype, shape and data_offsets, found {element.ValueKind}.");
        }

        if (!element.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new InvalidDataException($"{Where()}: missing or non-string 'dtype'.");
        }

        var dtypeName = dtypeElement.GetString()!;
        if (!SafeTensorsDType.TryParse(dtypeName, out var dtype))
        {
            throw new InvalidDataException($"{Where()}: unknown or unsupported dtype '{dtypeName}'; supported are {string.Join(", ", SafeTensorsDType.SupportedNames)}.");
        }

        var shape = ReadLongArray(element, "shape", Where);
        var offsets = ReadLongArray(element, "data_offsets", Where);
        if (offsets.Length != 2)
        {
            throw new InvalidDataException($"{Where()}: 'data_offsets' must hold exactly 2 numbers, found {offsets.Length}.");
        }

        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
        {
            throw new InvalidDataException($"{Where()}: data_offsets [{begin}, {end}] end before they begin.");
        }

        // Like libtorch, the non-zero dimensions must multiply within 64 bits even when one is 0 ([0, 2^62, 2^62]).
        var expected = TensorShapes.ByteCount(shape, SafeTensorsDType.ElementSize(dtype))
            ?? throw new InvalidDataException($"{Where()}: shape [{string.Join(", ", shape)}] is too large.");

        if (expected != end - begin)
        {
            throw new InvalidDataException(
                $"{Where()}: shape [{string.Join(", ", shape)}] of {dtypeName} needs {expected} bytes but data_offsets [{begin}, {end}] span {end - begin}.");
        }

        return new SafeTensorsEntry(name, dtype, Array.AsReadOnly(shape), begin, end);
    }

    private static long[] ReadLongArray(JsonElement element, string property, Func<string> where)
    {
        if (!element.TryGetProperty(property, out var array) || array.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{where()}: missing or non-array '{property}'.");
        }

        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0)
            {
                throw new InvalidDataException($"{where()}: '{property}' must hold non-negative integers, found '{item.GetRawText()}'.");
            }

            values[i++] = value;
        }

        return values;
    }

    // Tensors must tile the data section exactly: no gaps, no overlaps, nothing past its end, nothing left over.
    private static void CheckLayout(List<SafeTensorsEntry> entries, long dataLength, string path)
    {
        var ordered = entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ToList();
        long expectedBegin = 0;
        SafeTensorsEntry? previous = null;
        foreach (var entry in ordered)
        {
            if (entry.End > dataLength)
            {
                throw new InvalidDataException(
                    $"Safetensors file '{path}', tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] run past the {dataLength}-byte data section (truncated file?).");
            }

            if (entry.Begin < expectedBegin)
            {
                throw new InvalidDataException(
                    $"Safetensors file '{path}', tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] overlap tensor '{previous!.Name}' [{previous.Begin}, {previous.End}].");
            }

            if (entry.Begin > expectedBegin)
            {
                var after = previous is null ? "the start of the data section" : $"tensor '{previous.Name}'";
                throw new InvalidDataException(
                    $"Safetensors file '{path}', tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] leave a gap of {entry.Begin - expectedBegin} bytes after {after}.");
            }

            expectedBegin = entry.End;
            previous = entry;
        }

        if (expectedBegin != dataLength)
        {
            throw new InvalidDataException(
                $"Safetensors file '{path}': the tensors cover {expectedBegin} bytes but the data section holds {dataLength}; the file has trailing bytes or a wrong header.");
        }
    }

    private static void CheckBoolBytes(byte[] bytes, SafeTensorsEntry entry, string path)
    {
        var bad = Array.FindIndex(bytes, b => b > 1);
        if (bad >= 0)
        {
            throw new InvalidDataException($"Safetensors file '{path}', tensor '{entry.Name}': BOOL element {bad} holds byte value {bytes[bad]}; only 0 and 1 are valid.");
        }
    }

    private static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
    }

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Safetensors data is little-endian; big-endian hosts are not supported.");
        }
    }

    private static string Printable(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
