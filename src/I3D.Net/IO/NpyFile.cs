using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace I3D.Net.IO;

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (C order, little-endian; float32, float64, int32, int64 or uint8), the
/// format Python feature pipelines load with <c>numpy.load</c>.
/// </summary>
public static partial class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Writes <paramref name="tensor"/> to <paramref name="path"/> atomically (temporary file + rename), creating the folder if needed.</summary>
    /// <param name="path">The destination, usually ending in <c>.npy</c>.</param>
    /// <param name="tensor">Any device; float32, float64, int32, int64 or uint8.</param>
    /// <exception cref="ArgumentException">The tensor's type cannot be stored.</exception>
    public static void Save(string path, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensor);
        Descriptor(tensor.dtype);   // refuse before touching the disk
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.Write(path, stream => Write(stream, tensor));
    }

    /// <summary>Writes <paramref name="tensor"/> in <c>.npy</c> format (version 1.0, or 2.0 for a header over 64 KiB) to <paramref name="stream"/>.</summary>
    /// <exception cref="ArgumentException">The tensor's type cannot be stored.</exception>
    public static void Write(Stream stream, Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensor);
        EnsureLittleEndian();
        var descr = Descriptor(tensor.dtype);
        var shape = tensor.shape.Length == 1
            ? $"({tensor.shape[0]},)"
            : "(" + string.Join(", ", tensor.shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        var version = header.Length + 11 > ushort.MaxValue ? 2 : 1;
        var prefix = version == 1 ? 10 : 12;
        // Magic, version, header length, header: padded with spaces to a multiple of 64 bytes and ending in '\n'.
        var total = (prefix + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - prefix - 1) + "\n";
        stream.Write(Magic);
        stream.Write([(byte)version, 0]);
        Span<byte> length = stackalloc byte[4];
        if (version == 1)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)header.Length);
            stream.Write(length[..2]);
        }
        else
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, header.Length);
            stream.Write(length);
        }
        stream.Write(Encoding.ASCII.GetBytes(header));
        if (tensor.numel() == 0)
            return;   // an empty array is its header alone
        using var cpu = tensor.detach().cpu().contiguous();
        switch (cpu.dtype)
        {
            case ScalarType.Float32: stream.Write(MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan())); break;
            case ScalarType.Float64: stream.Write(MemoryMarshal.AsBytes(cpu.data<double>().ToArray().AsSpan())); break;
            case ScalarType.Int32: stream.Write(MemoryMarshal.AsBytes(cpu.data<int>().ToArray().AsSpan())); break;
            case ScalarType.Int64: stream.Write(MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan())); break;
            default: stream.Write(cpu.data<byte>().ToArray()); break;
        }
    }

    /// <summary>Reads an <c>.npy</c> file written by NumPy or <see cref="Save"/> into a CPU tensor.</summary>
    /// <exception cref="InvalidDataException">The file is not a C-order little-endian <c>.npy</c> file of a supported type, or is truncated.</exception>
    public static Tensor Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        EnsureLittleEndian();
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || !bytes.AsSpan(0, 6).SequenceEqual(Magic))
            throw new InvalidDataException($"'{path}' is not an .npy file: expected the magic \\x93NUMPY at its start.");
        int major = bytes[6];
        if (major is < 1 or > 3)
            throw new InvalidDataException($"'{path}': .npy format version {major}.{bytes[7]} is not supported (expected 1.0, 2.0 or 3.0).");
        var prefix = major == 1 ? 10 : 12;
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : bytes.Length >= 12 ? BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)) : long.MaxValue;
        if (prefix + headerLength > bytes.Length)
            throw new InvalidDataException($"'{path}': the .npy header is {headerLength} bytes, but the file has {bytes.Length}.");
        var header = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(bytes, prefix, (int)headerLength);
        var descr = DescrPattern().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"'{path}': the .npy header has no 'descr': {header.Trim()}");
        if (!FortranPattern().IsMatch(header))
            throw new InvalidDataException($"'{path}': only C-order arrays are supported ('fortran_order': False); found {header.Trim()}");
        var shapeText = ShapePattern().Match(header) is { Success: true } s ? s.Groups[1].Value
            : throw new InvalidDataException($"'{path}': the .npy header has no 'shape': {header.Trim()}");
        var shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(x => long.TryParse(x, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
                : throw new InvalidDataException($"'{path}': the .npy shape ({shapeText}) is not a tuple of sizes.")).ToArray();
        var (type, size) = descr switch
        {
            "<f4" => (ScalarType.Float32, 4),
            "<f8" => (ScalarType.Float64, 8),
            "<i4" => (ScalarType.Int32, 4),
            "<i8" => (ScalarType.Int64, 8),
            "|u1" or "<u1" => (ScalarType.Byte, 1),
            _ => throw new InvalidDataException($"'{path}': .npy type '{descr}' is not supported (expected <f4, <f8, <i4, <i8 or |u1)."),
        };
        var data = bytes.AsSpan(prefix + (int)headerLength);
        var count = shape.Aggregate(1L, (a, b) => a * b);
        if (data.Length != count * size)
            throw new InvalidDataException($"'{path}': shape ({shapeText}) of {descr} needs {count * size} data bytes; found {data.Length}.");
        return type switch
        {
            ScalarType.Float32 => tensor(MemoryMarshal.Cast<byte, float>(data).ToArray(), shape),
            ScalarType.Float64 => tensor(MemoryMarshal.Cast<byte, double>(data).ToArray(), shape),
            ScalarType.Int32 => tensor(MemoryMarshal.Cast<byte, int>(data).ToArray(), shape),
            ScalarType.Int64 => tensor(MemoryMarshal.Cast<byte, long>(data).ToArray(), shape),
            _ => tensor(data.ToArray(), shape),
        };
    }

    private static string Descriptor(ScalarType type) => type switch
    {
        ScalarType.Float32 => "<f4",
        ScalarType.Float64 => "<f8",
        ScalarType.Int32 => "<i4",
        ScalarType.Int64 => "<i8",
        ScalarType.Byte => "|u1",
        _ => throw new ArgumentException($"NpyFile writes float32, float64, int32, int64 or uint8 tensors; found {type}.", "tensor"),
    };

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("NpyFile reads and writes little-endian data on little-endian machines only.");
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*False")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
