namespace I3D.Net.Weights;

/// <summary>
/// Recognises legacy (pre-1.6, non-zip) PyTorch files — such as pytorch-i3d's widely used <c>rgb_imagenet.pt</c> —
/// and explains how to convert them. <see cref="PyTorchStateDict"/> reads plain legacy state dicts with a data-only
/// pickle reader; what it refuses (pickled modules, custom classes: anything that would need code to run) gets the
/// conversion steps from <see cref="CreateException"/>.
/// </summary>
public static class LegacyPyTorchFile
{
    // torch.save's legacy format starts with a pickled integer, the magic number 0x1950a86a20f9469cfc6c:
    // LONG1 opcode (0x8a), length 10, then the 10 little-endian bytes.
    private static readonly byte[] PickledMagic = [0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19];
    private const int TarMagicOffset = 257;

    /// <summary>Bytes from the start of a file that <see cref="IsLegacy(ReadOnlySpan{byte})"/> needs to see.</summary>
    public const int HeadLength = 512;

    /// <summary>Whether the file is a legacy PyTorch file.</summary>
    /// <param name="path">The file.</param>
    /// <returns><see langword="true"/> for a pre-1.6 pickle-stream or tar PyTorch file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static bool IsLegacy(string path) => IsLegacy(ReadHead(path));

    /// <summary>Whether the first bytes of a file show a legacy PyTorch file.</summary>
    /// <param name="head">The file's first <see cref="HeadLength"/> bytes (or all of it when shorter).</param>
    /// <returns><see langword="true"/> for a pre-1.6 pickle-stream or tar PyTorch file.</returns>
    public static bool IsLegacyPickle(ReadOnlySpan<byte> head)
    {
        if (head.Length < 2 || head[0] != 0x80 || head[1] is < 2 or > 5)
        {
            return false;
        }

        // Protocol 4+ puts a FRAME opcode (9 bytes) between PROTO and the magic number.
        var window = head[2..Math.Min(head.Length, 2 + 9 + PickledMagic.Length)];
        return window.IndexOf(PickledMagic) >= 0;
    }

    /// <summary>Whether the first bytes show any legacy PyTorch file: the pickle stream or the older tar archive.</summary>
    /// <param name="head">The file's first <see cref="HeadLength"/> bytes (or all of it when shorter).</param>
    /// <returns><see langword="true"/> when the file is a legacy PyTorch file.</returns>
    public static bool IsLegacy(ReadOnlySpan<byte> head) => IsLegacyPickle(head) || IsTar(head);

    /// <summary>The error for a legacy PyTorch file I3D.Net cannot read, with a Python snippet that re-saves it in a readable format.</summary>
    /// <param name="path">The legacy file.</param>
    /// <param name="reason">Why it could not be read (the reader's error), or <see langword="null"/>.</param>
    /// <returns>An exception whose message names the file and gives the exact conversion commands.</returns>
    public static InvalidDataException CreateException(string path, Exception? reason = null) => new(
        $"'{path}' is a legacy (pre-1.6, non-zip) PyTorch file that I3D.Net cannot read without running code from it" +
        (reason is null ? "." : $" ({reason.Message}).") +
        " Convert it once with Python (PyTorch 1.13 or later):" + Environment.NewLine +
        ConversionSnippet(path) + Environment.NewLine +
        "then load the new file. If the file holds a whole module rather than a state dict, weights_only=True refuses it; " +
        "load it only if you trust its source (weights_only=False) and save module.state_dict() instead.",
        reason);

    /// <summary>Python that re-saves a legacy file as a zip <c>.pt</c> and as safetensors, loading it without running code.</summary>
    /// <param name="path">The legacy file.</param>
    /// <returns>Three lines of Python.</returns>
    public static string ConversionSnippet(string path)
    {
        var name = Path.GetFileName(path);
        var stem = Path.GetFileNameWithoutExtension(path);
        return string.Join(
            Environment.NewLine,
            $"    import torch; from safetensors.torch import save_file",
            $"    sd = torch.load(\"{name}\", map_location=\"cpu\", weights_only=True)",
            $"    torch.save(sd, \"{stem}_zip.pt\"); save_file({{k: v.contiguous() for k, v in sd.items()}}, \"{stem}.safetensors\")");
    }

    internal static byte[] ReadHead(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"File '{path}' does not exist.", path);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        var head = new byte[Math.Min(HeadLength, stream.Length)];
        stream.ReadExactly(head);
        return head;
    }

    // The pre-0.4 format: a tar archive whose first members are "sys_info" and "storages".
    private static bool IsTar(ReadOnlySpan<byte> head) =>
        head.Length >= TarMagicOffset + 5 && head.Slice(TarMagicOffset, 5).SequenceEqual("ustar"u8) &&
        (head[..100].StartsWith("sys_info"u8) || head[..100].StartsWith("storages"u8));
}
