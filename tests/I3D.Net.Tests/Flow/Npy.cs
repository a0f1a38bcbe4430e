using System.Text;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Flow;

/// <summary>Reads the little-endian uint8/float32 C-order .npy files the fixture script writes.</summary>
internal static partial class Npy
{
    public static Tensor Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path} is not an .npy file.");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int dataStart = (major == 1 ? 10 : 12) + headerLength;
        var header = Encoding.ASCII.GetString(bytes, major == 1 ? 10 : 12, headerLength);
        var descr = DescrPattern().Match(header).Groups[1].Value;
        if (header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{path}: Fortran order is not supported.");
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(long.Parse).ToArray();
        var data = bytes.AsSpan(dataStart);
        return descr switch
        {
            "|u1" => tensor(data.ToArray(), shape),
            "<f4" => tensor(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(data).ToArray(), shape),
            _ => throw new InvalidDataException($"{path}: unsupported dtype {descr}."),
        };
    }

    [GeneratedRegex(@"'descr':\s*'([^']+)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'shape':\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
