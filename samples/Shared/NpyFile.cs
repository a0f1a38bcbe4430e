using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace I3D.Net.Samples;

/// <summary>Writes NumPy <c>.npy</c> files (format 1.0, little-endian float32 or int64, C order) for use from Python.</summary>
internal static class NpyFile
{
    public static void Save(string path, Tensor tensor)
    {
        var descr = tensor.dtype switch
        {
            ScalarType.Float32 => "<f4",
            ScalarType.Int64 => "<i8",
            _ => throw new ArgumentException($"NpyFile writes float32 or int64 tensors, found {tensor.dtype}."),
        };
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("NpyFile writes little-endian data on little-endian machines only.");
        var shape = tensor.shape.Length == 1
            ? $"({tensor.shape[0]},)"
            : "(" + string.Join(", ", tensor.shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + ")";
        var header = $"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}";
        // Magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in '\n'.
        var total = (10 + header.Length + 1 + 63) / 64 * 64;
        header = header.PadRight(total - 10 - 1) + "\n";

        using var cpu = tensor.cpu().contiguous();
        var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".tmp-{Guid.NewGuid():N}.npy");
        try
        {
            using (var stream = File.Create(temp))
            using (var writer = new BinaryWriter(stream))
            {
                writer.Write(new byte[] { 0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', 1, 0 });
                writer.Write((ushort)header.Length);
                writer.Write(Encoding.ASCII.GetBytes(header));
                if (cpu.dtype == ScalarType.Float32)
                    writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()));
                else
                    writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()));
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
