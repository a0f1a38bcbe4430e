using System.Runtime.InteropServices;

namespace I3D.Net.IO;

/// <summary>
/// Tells regular files from everything else a path can name (FIFOs, devices, sockets, folders), following symbolic
/// links, without opening the path: opening a FIFO blocks until a writer comes, and <c>/dev/zero</c> never ends, so a
/// data or checkpoint file that is either must be refused before it is read.
/// </summary>
/// <remarks>
/// The file type comes from <c>statx</c> on Linux (errno tells "missing" from other failures), else from the runtime's
/// own portable stat (<c>libSystem.Native</c>, which ships with every .NET on Unix), else from managed checks.
/// </remarks>
internal static class RegularFile
{
    // POSIX file-type bits (S_IFMT), the same in statx's stx_mode and System.Native's FileStatus.Mode (pal_io.h).
    private const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, Folder = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1, StatxSize = 0x200;
    private const int ENOENT = 2, ENOTDIR = 20, ENOSYS = 38;
    private static bool s_statxMissing;
    private static bool s_nativeStatMissing;

    /// <summary>Throws <see cref="InvalidDataException"/> when <paramref name="path"/> exists but is neither a regular file nor a folder.</summary>
    /// <param name="path">The full path.</param>
    /// <param name="kind">What the file should be, for the message (e.g. "frame image").</param>
    /// <remarks>A missing or unreadable path passes: the caller's own open reports it with its own message.</remarks>
    public static void Require(string path, string kind)
    {
        var what = NonRegularKind(path);
        if (what is not null)
            throw new InvalidDataException(
                $"The {kind} '{path}' is {what}, not a regular file; only regular files (or links to them) are read, since a FIFO or device can block or never end.");
    }

    /// <summary>What <paramref name="path"/> is when it exists and is neither a regular file nor a folder (e.g. "a FIFO (named pipe)"), else null.</summary>
    /// <param name="path">The path.</param>
    public static string? NonRegularKind(string path)
    {
        if (OperatingSystem.IsWindows())
            return File.Exists(path) && (File.GetAttributes(path) & FileAttributes.Device) != 0 ? "a device" : null;
        if (TryStat(path, out var mode, out _, out var errno))
            return errno != 0 || (mode & TypeMask) is Regular or Folder ? null : Describe(mode);
        // Without stat: FIFOs, sockets and character devices report length 0, so refuse empty files up front.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && File.ResolveLinkTarget(path, returnFinalTarget: true) is FileInfo target)
            info = target;
        return info.Exists && info.Length == 0 ? "empty (0 bytes) or not a regular file" : null;
    }

    /// <summary>
    /// The length of the regular file at <paramref name="path"/> (after following links). Throws
    /// <see cref="FileNotFoundException"/> when nothing is there and <see cref="InvalidDataException"/> when it is not a
    /// regular file (a folder included).
    /// </summary>
    /// <param name="path">The path.</param>
    public static long Length(string path)
    {
        if (!OperatingSystem.IsWindows() && TryStat(path, out var mode, out var size, out var errno))
        {
            if (errno is ENOENT or ENOTDIR)
                throw new FileNotFoundException($"'{path}' does not exist.", path);
            if (errno != 0)
                throw new IOException($"Cannot inspect '{path}': {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).");
            if ((mode & TypeMask) != Regular)
                throw new InvalidDataException($"'{path}' is {Describe(mode)}, not a regular file; only regular files are read.");
            return size;
        }
        return ManagedLength(path);
    }

    /// <summary>
    /// Stats <paramref name="path"/> following links. False when no native stat is usable here; otherwise
    /// <paramref name="errno"/> is 0 on success or the failure's errno.
    /// </summary>
    private static bool TryStat(string path, out int mode, out long size, out int errno)
    {
        if (OperatingSystem.IsLinux() && !Volatile.Read(ref s_statxMissing) && TryStatx(path, out mode, out size, out errno))
            return true;
        return TryNativeStat(path, out mode, out size, out errno);
    }

    private static bool TryStatx(string path, out int mode, out long size, out int errno)
    {
        (mode, size, errno) = (0, 0, 0);
        // struct statx is the same on every Linux architecture: stx_mode (u16) at 28, stx_size (u64) at 40.
        var buffer = new byte[256];
        int rc;
        try
        {
            rc = Statx(AtFdCwd, path, 0, StatxType | StatxSize, buffer);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_statxMissing, true); // an old C library: use the runtime's stat
            return false;
        }
        if (rc != 0)
        {
            errno = Marshal.GetLastPInvokeError();
            if (errno == ENOSYS) { Volatile.Write(ref s_statxMissing, true); return false; } // an old kernel
            return true;
        }
        mode = BitConverter.ToUInt16(buffer, 28);
        size = (long)BitConverter.ToUInt64(buffer, 40);
        return true;
    }

    private static bool TryNativeStat(string path, out int mode, out long size, out int errno)
    {
        (mode, size, errno) = (0, 0, 0);
        if (Volatile.Read(ref s_nativeStatMissing))
            return false;
        // FileStatus (pal_io.h) is about 120 bytes: Flags, Mode (int32 at 4), Uid, Gid, Size (int64 at 16), ...
        var status = new byte[256];
        try
        {
            if (SystemNativeStat(path, status) != 0)
            {
                errno = Marshal.GetLastPInvokeError();
                if (errno == 0) errno = ENOENT; // some failure without errno: report as missing, as before
                return true;
            }
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            Volatile.Write(ref s_nativeStatMissing, true);
            return false;
        }
        mode = BitConverter.ToInt32(status, 4);
        size = BitConverter.ToInt64(status, 16);
        return true;
    }

    /// <summary>Without native stat: a folder (also through links) is refused; devices and FIFOs report length 0, which a checkpoint file never has.</summary>
    private static long ManagedLength(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget is not null) info = info.ResolveLinkTarget(returnFinalTarget: true) ?? info;
        if (info.Attributes.HasFlag(FileAttributes.Directory) || Directory.Exists(info.FullName))
            throw new InvalidDataException($"'{path}' is a folder, not a regular file; only regular files are read.");
        if (!info.Exists) throw new FileNotFoundException($"'{path}' does not exist.", path);
        return ((FileInfo)info).Length;
    }

    private static string Describe(int mode) => (mode & TypeMask) switch
    {
        Fifo => "a FIFO (named pipe)",
        CharDevice => "a character device",
        Folder => "a folder",
        BlockDevice => "a block device",
        Socket => "a socket",
        var other => $"a special file (type 0x{other:X})",
    };

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, [Out] byte[] buffer);

    // The runtime's own portable stat; it follows links.
    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int SystemNativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [Out] byte[] status);
}
