using System.Buffers.Binary;

namespace I3D.Net.Data.Video;

/// <summary>
/// Reads the format and pixel size of a frame image from its header (PNG <c>IHDR</c>, JPEG <c>SOFn</c>, BMP
/// <c>BITMAPINFOHEADER</c>) without decoding it, so a small file that declares a huge image is refused before the
/// decoder allocates for it.
/// </summary>
internal static class ImageHeader
{
    /// <summary>The formats frame and flow folders accept.</summary>
    public const string Formats = "a JPEG, PNG or BMP image";

    /// <summary>The format and size declared by <paramref name="file"/>'s header.</summary>
    /// <exception cref="InvalidDataException">Not a JPEG, PNG or BMP, or a header that ends early or is malformed.</exception>
    public static (string Format, int Width, int Height) Read(string file, string kind = "image", string expected = Formats)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        Span<byte> head = stackalloc byte[26];
        var n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        head = head[..n];
        if (head.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            if (n < 24 || !head.Slice(12, 4).SequenceEqual("IHDR"u8))
                throw Bad(file, "PNG", "its first chunk is not a complete IHDR header");
            return ("PNG", Dimension(file, "PNG", BinaryPrimitives.ReadUInt32BigEndian(head[16..])), Dimension(file, "PNG", BinaryPrimitives.ReadUInt32BigEndian(head[20..])));
        }
        if (n >= 3 && head[0] == 0xFF && head[1] == 0xD8 && head[2] == 0xFF)
        {
            stream.Position = 2;
            return Jpeg(stream, file);
        }
        if (n >= 2 && head[0] == 'B' && head[1] == 'M')
        {
            if (n < 26)
                throw Bad(file, "BMP", "the header ends early");
            var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(head[14..]);
            if (dibSize == 12)
                return ("BMP", BinaryPrimitives.ReadUInt16LittleEndian(head[18..]), BinaryPrimitives.ReadUInt16LittleEndian(head[20..]));
            var width = BinaryPrimitives.ReadInt32LittleEndian(head[18..]);
            var height = BinaryPrimitives.ReadInt32LittleEndian(head[22..]);   // negative: rows stored top-down
            if (width <= 0 || height == 0 || height == int.MinValue)
                throw Bad(file, "BMP", $"it declares {width}×{height} pixels");
            return ("BMP", width, Math.Abs(height));
        }
        throw new InvalidDataException(
            $"Could not decode {kind} '{file}' ({new FileInfo(file).Length} bytes): expected {expected}, but its first bytes {Convert.ToHexString(head[..Math.Min(n, 8)])} are not those of {Formats}.");
    }

    /// <summary>Throws when <paramref name="file"/> declares more than <paramref name="maxPixels"/> pixels.</summary>
    public static void CheckPixels(string file, string kind, string expected, long maxPixels)
    {
        var (format, width, height) = Read(file, kind, expected);
        if ((long)width * height > maxPixels)
            throw new InvalidDataException(
                $"The {kind} '{file}' ({format}) declares {width}×{height} = {(long)width * height:N0} pixels, more than VideoReaderOptions.MaxFramePixels ({maxPixels:N0}); raise MaxFramePixels to read it.");
    }

    private static (string, int, int) Jpeg(Stream stream, string file)
    {
        Span<byte> segment = stackalloc byte[7];
        while (true)
        {
            var b = stream.ReadByte();
            if (b < 0)
                throw Bad(file, "JPEG", "it ends before its frame header (SOFn)");
            if (b != 0xFF)
                throw Bad(file, "JPEG", $"expected a marker at byte {stream.Position - 1}, found 0x{b:X2}");
            var marker = stream.ReadByte();
            while (marker == 0xFF)
                marker = stream.ReadByte();   // fill bytes
            if (marker < 0)
                throw Bad(file, "JPEG", "it ends before its frame header (SOFn)");
            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
                continue;                      // markers without a length
            if (marker is 0xD9 or 0xDA)
                throw Bad(file, "JPEG", "its scan starts before any frame header (SOFn)");
            if (stream.ReadAtLeast(segment[..2], 2, throwOnEndOfStream: false) < 2)
                throw Bad(file, "JPEG", "a segment length is cut off");
            var length = BinaryPrimitives.ReadUInt16BigEndian(segment);
            if (length < 2)
                throw Bad(file, "JPEG", $"segment 0xFF{marker:X2} has length {length}");
            var isFrame = marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (isFrame)
            {
                if (length < 8 || stream.ReadAtLeast(segment[..5], 5, throwOnEndOfStream: false) < 5)
                    throw Bad(file, "JPEG", "its frame header (SOFn) is cut off");
                int height = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]), width = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
                if (width == 0 || height == 0)
                    throw Bad(file, "JPEG", $"its frame header declares {width}×{height} pixels");
                return ("JPEG", width, height);
            }
            stream.Seek(length - 2, SeekOrigin.Current);
        }
    }

    private static int Dimension(string file, string format, uint value) =>
        value is > 0 and <= int.MaxValue ? (int)value : throw Bad(file, format, $"it declares a dimension of {value} pixels");

    private static InvalidDataException Bad(string file, string format, string problem) =>
        new($"'{file}' ({new FileInfo(file).Length} bytes) looks like a {format} image, but {problem}.");
}
