using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Compression;
using System.Text;

namespace I3D.Net.Tests.Hostile;

/// <summary>Generators of the hostile data-pipeline inputs of issue 14 (no binary blobs in the repository).</summary>
internal static class DataHostileFiles
{
    /// <summary>
    /// A valid 1-bit grayscale PNG of <paramref name="width"/>×<paramref name="height"/> black pixels: tiny on disk
    /// (20000×20000 is about 50 KB) but a decoder that trusts the header allocates width·height·3 bytes for it.
    /// </summary>
    public static void WriteHugePng(string path, int width, int height)
    {
        using var file = File.Create(path);
        file.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 1;   // bit depth 1
        ihdr[9] = 0;   // grayscale
        WriteChunk(file, "IHDR", ihdr);
        using var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + (width + 7) / 8];   // filter byte 0, then packed bits
            for (var y = 0; y < height; y++)
                z.Write(row);
        }
        WriteChunk(file, "IDAT", idat.ToArray());
        WriteChunk(file, "IEND", []);
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeAndData = Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typeAndData));
        stream.Write(length);
    }

    private static uint Crc32(byte[] bytes)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in bytes)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>Creates a FIFO (named pipe) with mkfifo; false where that is not possible (e.g. Windows).</summary>
    public static bool TryMakeFifo(string path)
    {
        if (OperatingSystem.IsWindows())
            return false;
        try
        {
            using var p = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false, RedirectStandardError = true })!;
            p.WaitForExit();
            return p.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>
    /// Releases anything blocked on <paramref name="fifo"/>: opening it read-write never blocks on Linux and counts as a
    /// writer, so a reader stuck in open() proceeds and sees end-of-file when it closes.
    /// </summary>
    public static void Unblock(string fifo)
    {
        try
        {
            using var both = new FileStream(fifo, FileMode.Open, FileAccess.ReadWrite);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
