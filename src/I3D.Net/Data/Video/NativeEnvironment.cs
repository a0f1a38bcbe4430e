using System.Runtime.InteropServices;

namespace I3D.Net.Data.Video;

/// <summary>
/// The process environment as native libraries see it. On Unix, .NET's <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// changes only a managed copy, so variables meant for OpenCV must be set through the C library.
/// </summary>
internal static class NativeEnvironment
{
    /// <summary>The variable's value in the native environment (<c>getenv</c>), or null.</summary>
    public static string? Get(string name)
    {
        if (OperatingSystem.IsWindows())
            return Environment.GetEnvironmentVariable(name);
        try
        {
            var value = GetEnv(name);
            return value == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(value);
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return Environment.GetEnvironmentVariable(name);
        }
    }

    /// <summary>Sets the variable in the native environment; false where that is not possible.</summary>
    public static bool TrySet(string name, string value)
    {
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Environment.SetEnvironmentVariable(name, value);
                return PutEnvWindows(name, value) == 0;   // the C runtime's copy, which OpenCV's getenv reads
            }
            Environment.SetEnvironmentVariable(name, value);
            return SetEnv(name, value, 1) == 0;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr GetEnv(string name);

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int SetEnv(string name, string value, int overwrite);

    [DllImport("ucrtbase", EntryPoint = "_putenv_s", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int PutEnvWindows(string name, string value);
}
