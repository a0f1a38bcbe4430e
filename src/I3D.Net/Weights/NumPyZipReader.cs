using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Reads NumPy <c>.npz</c> state dicts — a zip of <c>.npy</c> arrays, one per key, as <c>numpy.savez(file, **sd)</c>
/// or <c>savez_compressed</c> writes them (e.g. <c>{k: v.numpy() for k, v in model.state_dict().items()}</c>). The key is
/// the entry name without <c>.npy</c>. Supported element types: little-endian float16/32/64, int8/16/32/64, uint8
/// and bool, in C or Fortran order; object arrays (which need unpickling) are refused.
/// </summary>
/// <remarks>
/// Hostile-input care, as in the other readers: every size is checked against the file before anything is allocated
/// — an entry's compressed size against the file length, its expanded size against
/// <see cref="WeightsReadOptions.MaxZipCompressionRatio"/>, the <c>.npy</c> header against <see cref="MaxHeaderBytes"/>,
/// and the data against the header's shape × element size, which must match it exactly; entry CRC-32s are verified.
/// Every error names the file and the key.
/// </remarks>
internal sealed partial class NumPyZipReader : IWeightsFormatReader
{
    /// <summary>Largest <c>.npy</c> header accepted (numpy writes 64 to a few hundred bytes; version 1 allows 65,535).</summary>
    public const int MaxHeaderBytes = 1 << 16;

    /// <summary>A zip whose first entry is an <c>.npy</c> file (a PyTorch zip starts with <c>…/data.pkl</c>), read from the local header.</summary>
    /// <param name="probe">The file's head.</param>
    public bool Detect(WeightsFileProbe probe)
    {
        var head = probe.Head.Span;
        if (!probe.IsFile || head.Length < 30 || !head.StartsWith("PK\u0003\u0004"u8)) return false;
        int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(head[26..]);
        return nameLength > 4 && head.Length >= 30 + nameLength && head.Slice(30, nameLength).EndsWith(".npy"u8);
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> Read(string path, WeightsReadOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var fileLength = new FileInfo(path).Length;
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            using var archive = OpenArchive(path);
            foreach (var entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                    throw new InvalidDataException($"'{path}': entry '{entry.FullName}' is not an .npy array; an .npz state dict holds only <key>.npy entries.");
                var key = entry.FullName[..^4];
                if (!result.TryAdd(key, ReadArray(path, key, entry, fileLength, options)))
                    throw new InvalidDataException($"'{path}': key '{key}' appears twice.");
            }
            if (result.Count == 0)
                throw new InvalidDataException($"'{path}': the .npz holds no arrays.");
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    private static ZipArchive OpenArchive(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return new ZipArchive(stream, ZipArchiveMode.Read);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            stream.Dispose();
            throw new InvalidDataException($"'{path}': not a readable .npz (zip) file ({e.Message}); it may be truncated or corrupt.", e);
        }
    }

    private static Tensor ReadArray(string path, string key, ZipArchiveEntry entry, long fileLength, WeightsReadOptions options)
    {
        string Where() => $"'{path}': key '{key}'";
        // The sizes come from the zip directory: check them against the file before allocating anything.
        if (entry.CompressedLength < 0 || entry.CompressedLength > fileLength)
            throw new InvalidDataException($"{Where()}: the entry claims {entry.CompressedLength} compressed bytes in a {fileLength}-byte file; the file is truncated or corrupt.");
        if (entry.Length > Math.Max(entry.CompressedLength, 1) * (long)options.MaxZipCompressionRatio || entry.Length > Array.MaxLength)
            throw new InvalidDataException(
                $"{Where()}: the entry expands {entry.CompressedLength} bytes to {entry.Length}, more than the ratio of " +
                $"{options.MaxZipCompressionRatio} (WeightsReadOptions.MaxZipCompressionRatio) or the largest array this reader accepts.");
        var bytes = new byte[entry.Length];
        try
        {
            using var s = entry.Open();
            s.ReadExactly(bytes);
            if (s.ReadByte() >= 0)
                throw new InvalidDataException($"{Where()}: the entry holds more than the {entry.Length} bytes its directory entry declares.");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException && !e.Message.StartsWith("'" + path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{Where()}: the entry is truncated or corrupt ({e.Message}).", e);
        }
        var crc = System.IO.Hashing.Crc32.HashToUInt32(bytes);
        if (crc != entry.Crc32)
            throw new InvalidDataException($"{Where()}: the entry fails its CRC-32 check (directory 0x{entry.Crc32:x8}, data 0x{crc:x8}); the file is corrupt.");
        return ParseNpy(bytes, Where());
    }

    /// <summary>Parses one <c>.npy</c> array: magic, version, header length, a Python-literal dict header, raw data.</summary>
    private static Tensor ParseNpy(byte[] bytes, string where)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || !bytes.AsSpan(1, 5).SequenceEqual("NUMPY"u8))
            throw new InvalidDataException($"{where}: not an .npy array (expected the magic \\x93NUMPY, found {Convert.ToHexString(bytes.AsSpan(0, Math.Min(6, bytes.Length)))}).");
        int major = bytes[6];
        if (major is < 1 or > 3)
            throw new InvalidDataException($"{where}: .npy format version {major}.{bytes[7]} is not one of 1.0, 2.0, 3.0.");
        int prefix = major == 1 ? 10 : 12;
        if (bytes.Length < prefix)
            throw new InvalidDataException($"{where}: the .npy header is truncated.");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        if (headerLength > MaxHeaderBytes || prefix + headerLength > bytes.Length)
            throw new InvalidDataException($"{where}: the .npy header claims {headerLength} bytes; expected at most {Math.Min(MaxHeaderBytes, bytes.Length - prefix)}.");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, prefix, (int)headerLength);
        var match = HeaderPattern().Match(header);
        if (!match.Success || !match.Groups["descr"].Success || !match.Groups["fortran"].Success || !match.Groups["shape"].Success)
            throw new InvalidDataException($"{where}: the .npy header is not a {{'descr', 'fortran_order', 'shape'}} dict: {Shorten(header)}.");
        var descr = match.Groups["descr"].Value;
        var (dtype, size) = descr switch
        {
            "<f2" => (ScalarType.Float16, 2),
            "<f4" => (ScalarType.Float32, 4),
            "<f8" => (ScalarType.Float64, 8),
            "|i1" => (ScalarType.Int8, 1),
            "<i2" => (ScalarType.Int16, 2),
            "<i4" => (ScalarType.Int32, 4),
            "<i8" => (ScalarType.Int64, 8),
            "|u1" => (ScalarType.Byte, 1),
            "|b1" => (ScalarType.Bool, 1),
            _ => throw new InvalidDataException(
                $"{where}: element type '{descr}' is not supported; expected little-endian float16/32/64, int8/16/32/64, uint8 or bool" +
                (descr.StartsWith('>') ? " (this array is big-endian)" : descr.Contains('O') ? " (object arrays need unpickling, which I3D.Net never does)" : "") + "."),
        };
        var fortran = match.Groups["fortran"].Value == "True";
        var dims = match.Groups["shape"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var shape = new long[dims.Length];
        long numel = 1;
        for (int i = 0; i < dims.Length; i++)
        {
            if (!long.TryParse(dims[i], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out shape[i]))
                throw new InvalidDataException($"{where}: shape entry '{dims[i]}' is not a non-negative integer.");
            numel = shape[i] == 0 ? 0 : numel <= long.MaxValue / shape[i] ? numel * shape[i] : long.MaxValue;
        }
        long dataLength = bytes.Length - prefix - headerLength;
        if (numel == long.MaxValue || numel * size != dataLength)
            throw new InvalidDataException(
                $"{where}: shape ({string.Join(", ", shape)}) of {descr} needs {(numel == long.MaxValue ? "more than 2^63" : (numel * size).ToString(System.Globalization.CultureInfo.InvariantCulture))} bytes, but the array holds {dataLength}.");

        using var scope = NewDisposeScope();
        var flat = empty(numel, dtype);
        if (numel > 0) flat.bytes = bytes.AsSpan((int)(prefix + headerLength));
        // Fortran order: the data is the transpose's C order.
        var result = fortran && shape.Length > 1
            ? flat.reshape(shape.Reverse().ToArray()).permute(Enumerable.Range(0, shape.Length).Reverse().Select(i => (long)i).ToArray()).contiguous()
            : flat.reshape(shape);
        return result.MoveToOuterDisposeScope();
    }

    private static string Shorten(string s) => s.Length <= 120 ? s : s[..120] + "…";

    [GeneratedRegex(@"^\{\s*(?:(?:'descr'\s*:\s*'(?<descr>[^']{1,16})'|'fortran_order'\s*:\s*(?<fortran>True|False)|'shape'\s*:\s*\((?<shape>[0-9,\s]{0,512})\))\s*,?\s*){3}\}\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex HeaderPattern();
}
