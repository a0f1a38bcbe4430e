using System.Text;

namespace I3D.Net.Runtime;

/// <summary>
/// Which libstdc++ the process uses and the newest <c>GLIBCXX_x.y.z</c> symbol version it provides. TorchSharp 0.107's
/// native shim is built with GCC 13 and needs <c>GLIBCXX_3.4.32</c>; older systems fail with a misleading message.
/// </summary>
/// <param name="Path">The library file, or <see langword="null"/> when none was found (e.g. not Linux).</param>
/// <param name="NewestGlibcxx">The newest symbol version found in it, or <see langword="null"/>.</param>
internal sealed record LibStdCxxInfo(string? Path, Version? NewestGlibcxx)
{
    /// <summary>The symbol version TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> needs (GCC 13).</summary>
    public static readonly Version Required = new(3, 4, 32);

    /// <summary>An unknown result: nothing was probed (not Linux) or no libstdc++ was found.</summary>
    public static readonly LibStdCxxInfo NotFound = new(null, null);

    /// <summary>Whether a libstdc++ was found and it is too old for TorchSharp.</summary>
    public bool IsTooOld => Path is not null && (NewestGlibcxx is null || NewestGlibcxx < Required);

    /// <summary>The newest <c>GLIBCXX_</c> version mentioned in a libstdc++ binary, or null when there is none.</summary>
    public static Version? NewestGlibcxxVersion(ReadOnlySpan<byte> binary)
    {
        ReadOnlySpan<byte> marker = "GLIBCXX_"u8;
        Version? newest = null;
        while (true)
        {
            int at = binary.IndexOf(marker);
            if (at < 0) return newest;
            binary = binary[(at + marker.Length)..];
            int length = 0;
            while (length < binary.Length && (char.IsAsciiDigit((char)binary[length]) || binary[length] == (byte)'.')) length++;
            if (Version.TryParse(Encoding.ASCII.GetString(binary[..length]).TrimEnd('.'), out var version)
                && version.Build >= 0 && (newest is null || version > newest))
            {
                newest = version;
            }
        }
    }

    /// <summary>The libstdc++ mapped into a process, from the lines of <c>/proc/self/maps</c>.</summary>
    public static string? FindMapped(IEnumerable<string> procMapsLines)
    {
        foreach (var line in procMapsLines)
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0) continue;
            var path = line[slash..].Trim();
            if (System.IO.Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal)) return path;
        }
        return null;
    }

    /// <summary>The 64-bit libstdc++.so.6 from the output of <c>ldconfig -p</c>.</summary>
    public static string? FindInLdconfigCache(string ldconfigOutput)
    {
        string? any = null;
        foreach (var raw in ldconfigOutput.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("libstdc++.so.6 ", StringComparison.Ordinal)) continue;
            int arrow = line.LastIndexOf("=>", StringComparison.Ordinal);
            if (arrow < 0) continue;
            var path = line[(arrow + 2)..].Trim();
            if (line.Contains("x86-64", StringComparison.Ordinal) || line.Contains("AArch64", StringComparison.Ordinal)) return path;
            any ??= path;
        }
        return any;
    }

    /// <summary>Inspects the libstdc++ this process uses (the mapped one, else the ldconfig cache, else the usual path).</summary>
    public static LibStdCxxInfo Probe()
    {
        if (!OperatingSystem.IsLinux()) return NotFound;
        try
        {
            var path = FindMapped(File.ReadLines("/proc/self/maps")) ?? FromLdconfig()
                ?? new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6" }
                    .FirstOrDefault(File.Exists);
            return path is null ? NotFound : new LibStdCxxInfo(path, NewestGlibcxxVersion(File.ReadAllBytes(path)));
        }
        catch (IOException)
        {
            return NotFound;
        }
        catch (UnauthorizedAccessException)
        {
            return NotFound;
        }
    }

    /// <summary>The version as the loader writes it, e.g. <c>GLIBCXX_3.4.30</c>.</summary>
    public static string Format(Version? version) =>
        version is null ? "no GLIBCXX symbol versions" : "GLIBCXX_" + version.ToString(3);

    private static string? FromLdconfig()
    {
        foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
        {
            if (!File.Exists(ldconfig)) continue;
            try
            {
                using var process = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(ldconfig, "-p")
                {
                    RedirectStandardOutput = true,
                    UseShellExecute = false,
                });
                if (process is null) return null;
                var output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                return FindInLdconfigCache(output);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
        return null;
    }
}
