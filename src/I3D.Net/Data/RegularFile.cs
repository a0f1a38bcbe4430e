using System.Runtime.InteropServices;

namespace I3D.Net.Data;

/// <summary>
/// Refuses paths that are not regular files before anything opens them: opening a FIFO blocks until a writer
/// appears, and a device such as <c>/dev/zero</c> never ends. Links are followed, so a link to a regular file is fine
/// and a link to a device is not.
/// </summary>
internal static partial class RegularFile
{
    // File-type bits of System.Native's FileStatus.Mode (the runtime's own portable constants, pal_io.h).
    private const int TypeMask = 0xF000, Fifo = 0x1000, CharDevice = 0x2000, Directory = 0x4000, BlockDevice = 0x6000, Regular = 0x8000, Socket = 0xC000;
    private static volatile bool s_statUnavailable;

    /// <summary>Throws <see cref="InvalidDataException"/> when <paramref name="path"/> exists but is not a regular file.</summary>
    /// <param name="path">The full path.</param>
    /// <param name="kind">What the file should be, for the message (e.g. "frame image").</param>
    public static void Require(string path, string kind)
    {
        var what = NonRegularKind(path);
        if (what is not null)
            throw new InvalidDataException(
                $"The {kind} '{path}' is {what}, not a regular file; only regular files (or links to them) are read, since a FIFO or device can block or never end.");
    }

    /// <summary>What <paramref name="path"/> is when it exists and is not a regular file (e.g. "a FIFO (named pipe)"), else null.</summary>
    public static string? NonRegularKind(string path)
    {
        if (OperatingSystem.IsWindows())
            return File.Exists(path) && (File.GetAttributes(path) & FileAttributes.Device) != 0 ? "a device" : null;
        if (!s_statUnavailable)
        {
            try
            {
                var status = new byte[256];   // FileStatus is about 120 bytes; Mode is the second int32
                if (SystemNativeStat(path, status) != 0)
                    return null;              // missing or unreadable: the caller's own open reports it
                return (BitConverter.ToInt32(status, 4) & TypeMask) switch
                {
                    Regular or Directory => null,
                    Fifo => "a FIFO (named pipe)",
                    CharDevice => "a character device",
                    BlockDevice => "a block device",
                    Socket => "a socket",
                    var other => $"a special file (type 0x{other:X})",
                };
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                s_statUnavailable = true;
            }
        }
        // Without stat: FIFOs, sockets and character devices report length 0, so refuse empty files up front.
        var info = new FileInfo(path);
        if (info.LinkTarget is not null && File.ResolveLinkTarget(path, returnFinalTarget: true) is FileInfo target)
            info = target;
        return info.Exists && info.Length == 0 ? "empty (0 bytes) or not a regular file" : null;
    }

    // The runtime's own portable stat (libSystem.Native ships with every .NET on Unix); it follows links.
    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SystemNativeStat(string path, byte[] status);
}
