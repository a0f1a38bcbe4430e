namespace I3D.Net.Runtime;

/// <summary>
/// Turns TorchSharp's generic load failure ("doesn't contain a reference to libtorch-cpu…") into the real cause.
/// Pure: everything it looks at is passed in, so every diagnosis is testable on any machine.
/// </summary>
internal static class NativeLoadDiagnostics
{
    private const string SetupAdvice =
        "Use a system with glibc >= 2.38 and GCC 13's libstdc++ (Ubuntu 24.04+, Debian 13+), or on Debian 12 run "
        + "eng/setup.sh from the I3D.Net repository (it installs libstdc++6 from Debian 13 with a low apt pin).";

    private const string BackendAdvice =
        "The I3D.Net package references the managed TorchSharp package only; the application chooses the native backend: "
        + "add TorchSharp-cpu (dotnet add package TorchSharp-cpu --version 0.107.0) or a CUDA package (TorchSharp-cuda-linux, "
        + "TorchSharp-cuda-windows), or use an existing PyTorch installation with I3DRuntime.UsePyTorchLibraries(\".../site-packages/torch/lib\") "
        + "or the " + I3DRuntime.TorchLibDirVariable + " environment variable.";

    /// <summary>Whether an exception is TorchSharp (or the runtime) failing to load libtorch / LibTorchSharp.</summary>
    public static bool IsNativeLoadFailure(Exception exception) => exception switch
    {
        TypeInitializationException { InnerException: { } inner } => IsNativeLoadFailure(inner),
        DllNotFoundException => true,
        NotSupportedException e => e.Message.Contains("doesn't contain a reference to libtorch", StringComparison.Ordinal)
                                   || e.Message.Contains("package version", StringComparison.Ordinal) && e.Message.Contains("is not restored", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>Finds the cause of a native load failure.</summary>
    /// <param name="failureMessage">TorchSharp's (or the loader's) message.</param>
    /// <param name="loaderError">What the OS loader said when loading the shim directly, if that was tried.</param>
    /// <param name="libStdCxx">The probed libstdc++.</param>
    /// <param name="searchedDirectories">Where native libraries were looked for (for the message).</param>
    /// <param name="nativeFiles">The file names found in <paramref name="searchedDirectories"/>.</param>
    /// <param name="inner">The original exception, kept as the inner exception.</param>
    public static I3DNativeLibraryException Diagnose(
        string failureMessage,
        string? loaderError,
        LibStdCxxInfo libStdCxx,
        IReadOnlyCollection<string> searchedDirectories,
        IReadOnlyCollection<string> nativeFiles,
        Exception? inner)
    {
        bool backendPresent = nativeFiles.Contains(NativeLibraryNames.TorchCpu);
        bool loaderSaysGlibcxx = MentionsMissingGlibcxx(loaderError) || MentionsMissingGlibcxx(failureMessage);
        bool libStdCxxTooOld = libStdCxx.IsTooOld || loaderSaysGlibcxx;
        string where = searchedDirectories.Count == 0 ? "(no folders)" : string.Join(", ", searchedDirectories);
        string loaderNote = string.IsNullOrWhiteSpace(loaderError) ? "" : $" The loader reported: {FirstLine(loaderError)}";

        if (!backendPresent)
        {
            var also = libStdCxxTooOld ? " Note: " + LibStdCxxSentence(libStdCxx) + " " + SetupAdvice : "";
            return new I3DNativeLibraryException(
                NativeLibraryFailure.NoNativeBackend,
                $"TorchSharp's native backend is missing: no {NativeLibraryNames.TorchCpu} was found next to the application "
                + $"(looked in: {where}). {BackendAdvice}{also}",
                inner);
        }

        if (libStdCxxTooOld)
        {
            return new I3DNativeLibraryException(
                NativeLibraryFailure.LibStdCxxTooOld,
                $"TorchSharp's native libraries are present but cannot load: {LibStdCxxSentence(libStdCxx)} "
                + SetupAdvice + loaderNote,
                inner);
        }

        return new I3DNativeLibraryException(
            NativeLibraryFailure.Unknown,
            $"TorchSharp could not load its native libraries although {NativeLibraryNames.TorchCpu} is present (looked in: {where}); "
            + $"libstdc++ is {(libStdCxx.Path is null ? "unknown" : $"{libStdCxx.Path} with {LibStdCxxInfo.Format(libStdCxx.NewestGlibcxx)}")}."
            + loaderNote + " See the inner exception for TorchSharp's load trace.",
            inner);
    }

    private static string LibStdCxxSentence(LibStdCxxInfo info)
    {
        var required = LibStdCxxInfo.Format(LibStdCxxInfo.Required);
        if (info.IsTooOld)
            return $"they need GCC 13's libstdc++ (symbol version {required}), but {info.Path} provides at most {LibStdCxxInfo.Format(info.NewestGlibcxx)}.";
        return $"they need GCC 13's libstdc++ (symbol version {required}), and the loader reported a missing GLIBCXX symbol version.";
    }

    private static bool MentionsMissingGlibcxx(string? text) =>
        text is not null && text.Contains("GLIBCXX_", StringComparison.Ordinal) && text.Contains("not found", StringComparison.Ordinal);

    private static string FirstLine(string text)
    {
        var trimmed = text.Trim();
        int newline = trimmed.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? trimmed : trimmed[..newline].TrimEnd();
    }
}
