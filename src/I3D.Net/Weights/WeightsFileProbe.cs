namespace I3D.Net.Weights;

/// <summary>What a <see cref="IWeightsFormatReader"/> sees when it is asked whether a path is in its format.</summary>
public sealed class WeightsFileProbe
{
    /// <summary>Bytes read from the start of a file into <see cref="Head"/>.</summary>
    public const int HeadLength = LegacyPyTorchFile.HeadLength;

    private WeightsFileProbe(string path, bool isFile, long length, byte[] head)
    {
        Path = path;
        IsFile = isFile;
        Length = length;
        Head = head;
    }

    /// <summary>The path as given: a file, a folder, or a TensorFlow checkpoint prefix.</summary>
    public string Path { get; }

    /// <summary>Whether <see cref="Path"/> is an existing file (false for a folder or a prefix).</summary>
    public bool IsFile { get; }

    /// <summary>The file's length in bytes (0 when <see cref="IsFile"/> is false).</summary>
    public long Length { get; }

    /// <summary>The first <see cref="HeadLength"/> bytes of the file (all of it when shorter; empty when not a file).</summary>
    public ReadOnlyMemory<byte> Head { get; }

    /// <summary>Reads the last <paramref name="count"/> bytes of the file (fewer when it is shorter).</summary>
    /// <param name="count">How many bytes.</param>
    public byte[] ReadTail(int count)
    {
        if (!IsFile) return [];
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var n = (int)Math.Min(count, stream.Length);
        var tail = new byte[n];
        stream.Seek(-n, SeekOrigin.End);
        stream.ReadExactly(tail);
        return tail;
    }

    /// <summary>Probes <paramref name="path"/>.</summary>
    /// <param name="path">A file, folder or TensorFlow prefix.</param>
    internal static WeightsFileProbe Create(string path)
    {
        if (!File.Exists(path))
            return new WeightsFileProbe(path, false, 0, []);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var head = new byte[Math.Min(HeadLength, stream.Length)];
        stream.ReadExactly(head);
        return new WeightsFileProbe(path, true, stream.Length, head);
    }
}
