using System.Text;

namespace I3D.Net.IO;

/// <summary>
/// Writes a file through a temporary sibling and a rename, so a crash never leaves a half-written file: readers see
/// the old contents or the new, never a mix.
/// </summary>
internal static class AtomicFile
{
    /// <summary>The search pattern of the temporary files <see cref="Write"/> creates (left behind only by a killed process).</summary>
    public const string TemporaryPattern = ".*.tmp";

    /// <summary>Whether <paramref name="fileName"/> (a name, not a path) is one of the temporary files <see cref="Write"/> creates.</summary>
    public static bool IsTemporary(string fileName) =>
        fileName.StartsWith('.') && fileName.EndsWith(".tmp", StringComparison.Ordinal);

    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes <paramref name="contents"/> as UTF-8 (no BOM, as <see cref="File.WriteAllText(string, string?)"/>), creating the folder if needed.</summary>
    /// <param name="path">The destination.</param>
    /// <param name="contents">The text.</param>
    public static void WriteAllText(string path, string contents)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true);
            writer.Write(contents);
        });
    }

    /// <summary>Writes <paramref name="path"/> by calling <paramref name="write"/> on a temporary file in the same folder, then renaming it.</summary>
    /// <param name="path">The destination; its folder must exist.</param>
    /// <param name="write">Writes the whole contents.</param>
    /// <param name="flushToDisk">Flush the temporary file to the device before the rename (off only for bulk files
    /// whose completeness a later marker file records).</param>
    /// <exception cref="DirectoryNotFoundException">The destination folder does not exist.</exception>
    public static void Write(string path, Action<Stream> write, bool flushToDisk = true)
    {
        var fullPath = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write '{fullPath}': folder '{folder}' does not exist.");

        // Same folder, so the final rename stays on one file system and is atomic.
        var temp = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
