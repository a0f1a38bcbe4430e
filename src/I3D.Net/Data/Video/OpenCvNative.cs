using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using I3D.Net.Runtime;
using OpenCvSharp;

namespace I3D.Net.Data.Video;

/// <summary>
/// The first contact with OpenCV's native library: a missing library becomes an <see cref="I3DNativeLibraryException"/>
/// that names the package to add (not a <see cref="TypeInitializationException"/>), and the native logging of OpenCV
/// and its bundled FFmpeg, which writes straight to stderr, is silenced (every failure it would describe becomes an
/// exception that names the file). Set <c>OPENCV_FFMPEG_LOGLEVEL</c> or <c>OPENCV_LOG_LEVEL</c> before the process
/// starts to keep that output.
/// </summary>
internal static partial class OpenCvNative
{
    private const int AvLogQuiet = -8;
    private static readonly Lazy<string?> LoadFailure = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);
    private static Exception? s_inner;

    /// <summary>Loads OpenCV once per process; throws the diagnosis on every call when it cannot be loaded.</summary>
    /// <exception cref="I3DNativeLibraryException">OpenCV's native library cannot be loaded.</exception>
    public static void EnsureLoaded()
    {
        if (LoadFailure.Value is { } message)
            throw new I3DNativeLibraryException(NativeLibraryFailure.OpenCvUnavailable, message, s_inner);
    }

    private static string? Load()
    {
        // Before OpenCV's first FFmpeg use, which reads these once; the direct calls below cover a process that used
        // OpenCV before this library did.
        var ffmpegChosen = NativeEnvironment.Get("OPENCV_FFMPEG_LOGLEVEL") is not null;
        var opencvChosen = NativeEnvironment.Get("OPENCV_LOG_LEVEL") is not null;
        if (!ffmpegChosen)
            NativeEnvironment.TrySet("OPENCV_FFMPEG_LOGLEVEL", AvLogQuiet.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (!opencvChosen)
            NativeEnvironment.TrySet("OPENCV_LOG_LEVEL", "ERROR");
        try
        {
            _ = Cv2.GetVersionString();
        }
        catch (Exception ex) when (IsNativeLoadFailure(ex))
        {
            s_inner = ex;
            return Diagnose(ex, OperatingSystem.IsWindows() ? OSPlatform.Windows : OperatingSystem.IsMacOS() ? OSPlatform.OSX : OSPlatform.Linux,
                RuntimeInformation.ProcessArchitecture, ManagedVersion());
        }
        QuietNativeLogging(ffmpeg: !ffmpegChosen, opencv: !opencvChosen);
        return null;
    }

    /// <summary>Silences FFmpeg's <c>av_log</c> and OpenCV's logger now (both were maybe initialised already).</summary>
    internal static void QuietNativeLogging(bool ffmpeg = true, bool opencv = true)
    {
        if (opencv)
            Cv2.SetLogLevel(OpenCvSharp.LogLevel.ERROR);
        if (ffmpeg)
            SetFfmpegLogLevel(AvLogQuiet);
    }

    /// <summary>Sets the bundled FFmpeg's log level where OpenCvSharpExtern exports it (Linux); elsewhere nothing happens.</summary>
    internal static bool SetFfmpegLogLevel(int level)
    {
        try
        {
            AvLogSetLevel(level);
            return true;
        }
        catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;   // Windows ships FFmpeg in a separate opencv_videoio_ffmpeg DLL; the variable above covers it
        }
    }

    /// <summary>Whether <paramref name="exception"/> is the runtime failing to load or bind OpenCV's native library.</summary>
    public static bool IsNativeLoadFailure(Exception exception) => exception switch
    {
        TypeInitializationException { InnerException: { } inner } => IsNativeLoadFailure(inner),
        DllNotFoundException or EntryPointNotFoundException or BadImageFormatException => true,
        _ => false,
    };

    /// <summary>An actionable message for a load failure (pure, so every case is testable anywhere).</summary>
    public static string Diagnose(Exception exception, OSPlatform os, Architecture architecture, string? managedVersion)
    {
        var root = exception;
        while (root is TypeInitializationException { InnerException: { } inner })
            root = inner;
        var package = os == OSPlatform.Windows ? "OpenCvSharp4.runtime.win"
            : os == OSPlatform.Linux && architecture == Architecture.X64 ? "OpenCvSharp4.official.runtime.linux-x64"
            : null;
        var add = package is not null
            ? $"add {package} (dotnet add package {package}{(managedVersion is null ? "" : $" --version {managedVersion}")})"
            : $"add the OpenCvSharp4 runtime package for {os} {architecture}";
        var loader = FirstLines(root.Message);
        if (root is EntryPointNotFoundException)
            return $"OpenCV's native library OpenCvSharpExtern does not match the managed OpenCvSharp4 package ({managedVersion}): a function it needs is missing. "
                   + $"Reference the native runtime package of the same version as OpenCvSharp4 ({add}). The runtime reported: {loader}";
        if (root is BadImageFormatException)
            return $"OpenCV's native library OpenCvSharpExtern is built for another platform than this {architecture} process; {add}. The runtime reported: {loader}";
        var missing = MissingDependencies(root.Message);
        if (missing.Count > 0)
        {
            var gtk = missing.Any(m => m.StartsWith("libgtk-3", StringComparison.Ordinal)) ? " (Debian/Ubuntu: apt-get install -y libgtk-3-0)" : "";
            return $"OpenCV's native library OpenCvSharpExtern was found, but a library it needs is missing: {string.Join(", ", missing)}{gtk}. "
                   + "Install it with the system's package manager. The runtime reported: " + loader;
        }
        return "OpenCV's native library (OpenCvSharpExtern), which I3D.Net uses to decode videos and images, was not found. "
               + $"The I3D.Net package references the managed OpenCvSharp4 package only; the application chooses the native runtime: {add}. "
               + "The runtime reported: " + loader;
    }

    private static string? ManagedVersion()
    {
        var version = typeof(Cv2).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        return version?.Split('+')[0].Split('-')[0];   // the package version, without build metadata or the assembly's '-beta' tag
    }

    /// <summary>Libraries other than OpenCvSharpExtern that the loader could not open (e.g. <c>libgtk-3.so.0</c>).</summary>
    private static List<string> MissingDependencies(string message) =>
        SharedObjectNotFound().Matches(message).Select(m => m.Groups[1].Value)
            .Where(name => !name.Contains("OpenCvSharpExtern", StringComparison.OrdinalIgnoreCase))
            .Distinct(StringComparer.Ordinal).ToList();

    private static string FirstLines(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var joined = string.Join(" | ", lines.Take(3));
        return joined.Length > 600 ? joined[..600] + "…" : joined;
    }

    [GeneratedRegex(@"([\w.+-]+\.(?:so(?:\.[\d.]+)?|dylib|dll)): cannot open shared object file", RegexOptions.CultureInvariant)]
    private static partial Regex SharedObjectNotFound();

    [DllImport("OpenCvSharpExtern", EntryPoint = "av_log_set_level", CallingConvention = CallingConvention.Cdecl)]
    private static extern void AvLogSetLevel(int level);
}
