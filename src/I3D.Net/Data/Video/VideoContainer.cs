using I3D.Net.IO;
using System.Text;

namespace I3D.Net.Data.Video;

/// <summary>
/// Identifies a video file's container by its first bytes before FFmpeg sees it. FFmpeg probes by content, so a text
/// file named <c>.mp4</c> that holds an <c>ffconcat</c> script or an <c>.m3u8</c> playlist is followed: it reads
/// other files (thousands of times over) and reports as many frames as it lists. Only real media containers pass;
/// text never does. A GIF is also walked block by block, since FFmpeg reads a truncated GIF as a shorter video.
/// </summary>
internal static class VideoContainer
{
    private const int SniffBytes = 4096;

    /// <summary>The containers recognised, for messages and docs.</summary>
    public const string Known = "MP4/MOV/3GP, AVI, Matroska/WebM, MPEG-TS, MPEG-PS or elementary stream, FLV, OGG, ASF/WMV, GIF, IVF, Y4M, MXF, RealMedia";

    /// <summary>
    /// Checks that <paramref name="path"/> is a regular file holding a recognised container (or, with
    /// <see cref="VideoReaderOptions.AllowUnrecognizedContainers"/>, any binary file) and returns the container's name.
    /// </summary>
    /// <exception cref="InvalidDataException">Not a regular file, empty, text, an unrecognised format, or a truncated GIF.</exception>
    public static string Check(string path, VideoReaderOptions options)
    {
        RegularFile.Require(path, "video file");
        var head = new byte[SniffBytes];
        long size;
        int n;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1))
        {
            size = stream.Length;
            n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }
        if (n == 0)
            throw new InvalidDataException($"Video file '{path}' is empty (0 bytes).");
        var span = head.AsSpan(0, n);
        var container = Identify(span);
        if (container == "GIF")
            CheckGif(path, options.MaxFramePixels);
        if (container is not null)
            return container;
        if (TextKind(span) is { } text)
            throw new InvalidDataException(
                $"'{path}' ({size} bytes) is {text}, not a video container. Text is never handed to FFmpeg, which would follow concat scripts and playlists to the files they name; expected {Known}.");
        if (!options.AllowUnrecognizedContainers)
            throw new InvalidDataException(
                $"'{path}' ({size} bytes) is not a recognised video container (its first bytes are {Convert.ToHexString(span[..Math.Min(n, 12)])}); expected {Known}. " +
                "Set VideoReaderOptions.AllowUnrecognizedContainers to hand other binary formats to FFmpeg.");
        return "unrecognised (allowed by the options)";
    }

    /// <summary>The container named by the first bytes, or null.</summary>
    public static string? Identify(ReadOnlySpan<byte> b)
    {
        if (b.Length >= 8 && IsAny(b.Slice(4, 4), "ftyp", "moov", "mdat", "free", "skip", "wide", "pnot"))
            return "MP4/MOV";
        if (b.Length >= 12 && b.StartsWith("RIFF"u8) && (b.Slice(8, 4).SequenceEqual("AVI "u8) || b.Slice(8, 4).SequenceEqual("AVIX"u8)))
            return "AVI";
        if (b.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3]))
            return "Matroska/WebM";
        if (b.Length > 376 && b[0] == 0x47 && b[188] == 0x47 && b[376] == 0x47)
            return "MPEG-TS";
        if (b.Length > 388 && b[4] == 0x47 && b[196] == 0x47 && b[388] == 0x47)
            return "MPEG-TS (M2TS)";
        if (b.StartsWith((ReadOnlySpan<byte>)[0, 0, 1, 0xBA]))
            return "MPEG-PS";
        if (b.StartsWith((ReadOnlySpan<byte>)[0, 0, 1]) || b.StartsWith((ReadOnlySpan<byte>)[0, 0, 0, 1]))
            return "MPEG elementary stream";
        if (b.StartsWith("FLV\u0001"u8))
            return "FLV";
        if (b.StartsWith("OggS"u8))
            return "OGG";
        if (b.StartsWith((ReadOnlySpan<byte>)[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]))
            return "ASF/WMV";
        if (b.StartsWith("GIF87a"u8) || b.StartsWith("GIF89a"u8))
            return "GIF";
        if (b.StartsWith("DKIF"u8))
            return "IVF";
        if (b.StartsWith("YUV4MPEG2 "u8))
            return "Y4M";
        if (b.StartsWith((ReadOnlySpan<byte>)[0x06, 0x0E, 0x2B, 0x34]))
            return "MXF";
        if (b.StartsWith(".RMF"u8))
            return "RealMedia";
        return null;
    }

    /// <summary>What kind of text the bytes are (e.g. "an FFmpeg concat script"), or null when they are binary.</summary>
    public static string? TextKind(ReadOnlySpan<byte> b)
    {
        var body = b.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? b[3..] : b;
        // A multi-byte character may be cut at the end of the sniffed bytes.
        var trimmed = body;
        for (var cut = 0; cut < 3 && trimmed.Length > 0 && !System.Text.Unicode.Utf8.IsValid(trimmed); cut++)
            trimmed = trimmed[..^1];
        if (trimmed.Length == 0 || !System.Text.Unicode.Utf8.IsValid(trimmed))
            return null;
        foreach (var c in trimmed)
        {
            if (c < 0x20 && c is not (byte)'\t' and not (byte)'\n' and not (byte)'\r' and not 0x0C)
                return null;
        }
        var text = Encoding.UTF8.GetString(trimmed).TrimStart();
        if (text.StartsWith("ffconcat", StringComparison.OrdinalIgnoreCase) || text.StartsWith("file ", StringComparison.Ordinal))
            return "an FFmpeg concat script";
        if (text.StartsWith("#EXTM3U", StringComparison.OrdinalIgnoreCase))
            return "an M3U/HLS playlist";
        if (text.StartsWith("v=0", StringComparison.Ordinal))
            return "an SDP session description";
        var line = text.Split('\n', 2)[0].Trim();
        return $"a text file (it starts '{(line.Length > 40 ? line[..40] + "…" : line)}')";
    }

    /// <summary>Walks a GIF's blocks: refuses one that ends before its trailer (truncated), holds no image, or whose screen is over the pixel cap.</summary>
    public static void CheckGif(string path, long maxPixels)
    {
        using var stream = new BufferedStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1), 64 * 1024);
        var length = stream.Length;
        Span<byte> screen = stackalloc byte[13];
        if (stream.ReadAtLeast(screen, 13, throwOnEndOfStream: false) < 13)
            throw Truncated(path, length, 0, "its screen descriptor");
        int width = screen[6] | screen[7] << 8, height = screen[8] | screen[9] << 8;
        if ((long)width * height > maxPixels)
            throw new InvalidDataException(
                $"GIF '{path}' declares a {width}×{height} screen, more than VideoReaderOptions.MaxFramePixels ({maxPixels:N0}) pixels; raise MaxFramePixels to read it.");
        if ((screen[10] & 0x80) != 0)
            Skip(stream, 3 << ((screen[10] & 7) + 1), path, length, 0, "the global colour table");
        var frames = 0;
        Span<byte> descriptor = stackalloc byte[9];
        while (true)
        {
            var block = stream.ReadByte();
            switch (block)
            {
                case 0x3B:
                    if (frames == 0)
                        throw new InvalidDataException($"GIF '{path}' holds no image.");
                    return;
                case 0x21:
                    if (stream.ReadByte() < 0)
                        throw Truncated(path, length, frames, "an extension");
                    SkipSubBlocks(stream, path, length, frames);
                    break;
                case 0x2C:
                    if (stream.ReadAtLeast(descriptor, 9, throwOnEndOfStream: false) < 9)
                        throw Truncated(path, length, frames, $"the descriptor of image {frames + 1}");
                    if ((descriptor[8] & 0x80) != 0)
                        Skip(stream, 3 << ((descriptor[8] & 7) + 1), path, length, frames, $"the colour table of image {frames + 1}");
                    if (stream.ReadByte() < 0)
                        throw Truncated(path, length, frames, $"image {frames + 1}");
                    SkipSubBlocks(stream, path, length, frames);
                    frames++;
                    break;
                case < 0:
                    throw Truncated(path, length, frames, "the trailer (0x3B)");
                default:
                    throw new InvalidDataException($"GIF '{path}' is damaged: expected a block (0x21, 0x2C or 0x3B) at byte {stream.Position - 1} after {frames} image(s), found 0x{block:X2}.");
            }
        }
    }

    private static void SkipSubBlocks(Stream stream, string path, long length, int frames)
    {
        while (true)
        {
            var size = stream.ReadByte();
            if (size < 0)
                throw Truncated(path, length, frames, $"image {frames + 1} or an extension");
            if (size == 0)
                return;
            Skip(stream, size, path, length, frames, $"image {frames + 1} or an extension");
        }
    }

    private static void Skip(Stream stream, int count, string path, long length, int frames, string what)
    {
        if (stream.Position + count > length)
            throw Truncated(path, length, frames, what);
        stream.Seek(count, SeekOrigin.Current);
    }

    private static InvalidDataException Truncated(string path, long length, int frames, string what) =>
        new($"GIF '{path}' ({length} bytes) is truncated: it ends inside {what}, after {frames} complete image(s) and without the GIF trailer.");

    private static bool IsAny(ReadOnlySpan<byte> four, params string[] tags)
    {
        foreach (var tag in tags)
        {
            if (four.SequenceEqual(Encoding.ASCII.GetBytes(tag)))
                return true;
        }
        return false;
    }
}
