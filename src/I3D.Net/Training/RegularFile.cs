using System.Runtime.InteropServices;

namespace I3D.Net.Training;

/// <summary>
/// Tells regular files from everything else a path can name (devices, FIFOs, sockets, folders), following symbolic
/// links, without opening the path: opening a FIFO blocks until a writer comes, and <c>/dev/zero</c> never ends, so a
/// checkpoint file that is either must be refused before it is read.
/// </summary>
internal static class RegularFile
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxSize = 0x200;
    private const int FileTypeMask = 0xF000, RegularType = 0x8000;
    private static bool s_statxMissing;

    /// <summary>
    /// The length of the regular file at <paramref name="path"/> (after following links). Throws
    /// <see cref="FileNotFoundException"/> when nothing is there and <see cref="InvalidDataException"/> when it is not a
    /// regular file.
    /// </summary>
    public static long Length(string path)
    {
        if (OperatingSystem.IsLinux() && !Volatile.Read(ref s_statxMissing) && TryStatx(path, out var mode, out var size))
        {
            if ((mode & FileTypeMask) != RegularType)
                throw new InvalidDataException($"'{path}' is not a regular file but a {Describe(mode)}; only regular files are read.");
            return size;
        }
        return ManagedLength(path);
    }

    private static bool TryStatx(string path, out int mode, out long size)
    {
        mode = 0;
        size = 0;
        // struct statx is the same on every Linux architecture: stx_mode (u16) at 28, stx_size (u64) at 40.
        var buffer = new byte[256];
        int rc;
        try
        {
            rc = Statx(AtFdCwd, path, 0, StatxType | StatxSize, buffer);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_statxMissing, true); // an old C library: fall back to the managed check
            return false;
        }
        if (rc != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is 2 or 20) throw new FileNotFoundException($"'{path}' does not exist.", path); // ENOENT, ENOTDIR
            if (errno == 38) { Volatile.Write(ref s_statxMissing, true); return false; }              // ENOSYS
            throw new IOException($"Cannot inspect '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
        }
        mode = BitConverter.ToUInt16(buffer, 28);
        size = (long)BitConverter.ToUInt64(buffer, 40);
        return true;
    }

    /// <summary>Elsewhere: a folder (also through links) is refused; devices and FIFOs report length 0, which a checkpoint file never has.</summary>
    private static long ManagedLength(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget is not null) info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        if (info.Attributes.HasFlag(FileAttributes.Directory) || Directory.Exists(info.FullName))
            throw new InvalidDataException($"'{path}' is not a regular file but a folder; only regular files are read.");
        if (!info.Exists) throw new FileNotFoundException($"'{path}' does not exist.", path);
        return ((FileInfo)info).Length;
    }

    private static string Describe(int mode) => (mode & FileTypeMask) switch
    {
        0x1000 => "FIFO",
        0x2000 => "character device",
        0x4000 => "folder",
        0x6000 => "block device",
        0xC000 => "socket",
        _ => $"special file (mode 0x{mode:x})",
    };

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);
}
