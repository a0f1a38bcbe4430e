using I3D.Net.IO;

namespace I3D.Net.Training;

/// <summary>
/// The file operations checkpointing uses. The default is <see cref="PhysicalCheckpointFileSystem"/>; tests inject
/// faults through it, and applications can route checkpoints elsewhere.
/// </summary>
public interface ICheckpointFileSystem
{
    /// <summary>Creates (or truncates) a file for writing.</summary>
    Stream Create(string path);

    /// <summary>Opens a file for reading.</summary>
    Stream OpenRead(string path);

    /// <summary>Whether a file exists.</summary>
    bool FileExists(string path);

    /// <summary>
    /// The length in bytes of a regular file, following links, found without reading it (a checkpoint compares sizes
    /// before it hashes). Throws <see cref="InvalidDataException"/> when the path is not a regular file (a device,
    /// FIFO, socket or folder) and <see cref="FileNotFoundException"/> when it does not exist. The default opens the
    /// file and asks its stream; <see cref="PhysicalCheckpointFileSystem"/> asks the file system.
    /// </summary>
    long GetFileLength(string path)
    {
        using var stream = OpenRead(path);
        return stream.Length;
    }

    /// <summary>Creates a folder and its parents.</summary>
    void CreateDirectory(string path);

    /// <summary>Renames a folder (atomic on one volume).</summary>
    void MoveDirectory(string source, string destination);

    /// <summary>Deletes a folder and everything in it.</summary>
    void DeleteDirectory(string path);

    /// <summary>Whether a folder exists.</summary>
    bool DirectoryExists(string path);

    /// <summary>The immediate sub-folders of a folder.</summary>
    IEnumerable<string> EnumerateDirectories(string path);
}

/// <summary>The local file system; files are flushed to disk before they are closed.</summary>
public sealed class PhysicalCheckpointFileSystem : ICheckpointFileSystem
{
    /// <summary>The shared instance.</summary>
    public static PhysicalCheckpointFileSystem Instance { get; } = new();

    /// <inheritdoc />
    public Stream Create(string path) => new DurableFileStream(path);

    /// <summary>Opens a regular file for reading; a device, FIFO or socket (also through a link) is an <see cref="InvalidDataException"/>.</summary>
    public Stream OpenRead(string path)
    {
        RegularFile.Length(path); // before opening: opening a FIFO blocks until a writer comes
        return File.OpenRead(path);
    }

    /// <inheritdoc />
    public bool FileExists(string path) => File.Exists(path);

    /// <inheritdoc />
    public long GetFileLength(string path) => RegularFile.Length(path);

    /// <inheritdoc />
    public void CreateDirectory(string path) => Directory.CreateDirectory(path);

    /// <inheritdoc />
    public void MoveDirectory(string source, string destination) => Directory.Move(source, destination);

    /// <inheritdoc />
    public void DeleteDirectory(string path) => Directory.Delete(path, recursive: true);

    /// <inheritdoc />
    public bool DirectoryExists(string path) => Directory.Exists(path);

    /// <inheritdoc />
    public IEnumerable<string> EnumerateDirectories(string path) => Directory.EnumerateDirectories(path);

    /// <summary>A file stream that reaches the disk (fsync) before it reports closed.</summary>
    private sealed class DurableFileStream(string path) : FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16)
    {
        protected override void Dispose(bool disposing)
        {
            if (disposing) Flush(flushToDisk: true);
            base.Dispose(disposing);
        }
    }
}
