namespace I3D.Net.Runtime;

/// <summary>File names of libtorch's and TorchSharp's native libraries on the current platform.</summary>
internal static class NativeLibraryNames
{
    /// <summary>The platform's file name for a library, e.g. <c>torch_cpu</c> → <c>libtorch_cpu.so</c> on Linux.</summary>
    public static string FileName(string name) =>
        OperatingSystem.IsWindows() ? name + ".dll"
        : OperatingSystem.IsMacOS() ? "lib" + name + ".dylib"
        : "lib" + name + ".so";

    /// <summary>TorchSharp's native shim, shipped in the managed <c>TorchSharp</c> package.</summary>
    public static string LibTorchSharp => FileName("LibTorchSharp");

    /// <summary>libtorch's CPU library, shipped by every backend (TorchSharp-cpu, CUDA packages, PyTorch).</summary>
    public static string TorchCpu => FileName("torch_cpu");

    /// <summary>The runtime identifier folder NuGet uses for this platform's native assets.</summary>
    public static string RuntimeIdentifier =>
        (OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux") + "-"
        + System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();

    /// <summary>The folders where TorchSharp looks for native libraries of this application.</summary>
    public static IReadOnlyList<string> ApplicationSearchDirectories()
    {
        var roots = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(TorchSharp.torch).Assembly.Location) }
            .Where(d => !string.IsNullOrEmpty(d))
            .Select(d => Path.TrimEndingDirectorySeparator(Path.GetFullPath(d!)));
        return roots
            .SelectMany(d => new[] { d, Path.Combine(d, "runtimes", RuntimeIdentifier, "native") })
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The file names present in <paramref name="directories"/> (missing folders are skipped).</summary>
    public static IReadOnlyCollection<string> ListFiles(IEnumerable<string> directories) =>
        directories.Where(Directory.Exists)
            .SelectMany(Directory.EnumerateFiles)
            .Select(f => Path.GetFileName(f))
            .ToHashSet(StringComparer.Ordinal);
}
