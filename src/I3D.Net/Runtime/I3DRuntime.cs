using System.Runtime.InteropServices;
using TorchSharp;

namespace I3D.Net.Runtime;

/// <summary>
/// Loads TorchSharp's native libraries once per process and picks the compute device. Call <see cref="Initialize"/>
/// (or <see cref="ResolveDevice(ComputeDevice)"/>) before other TorchSharp use to get an actionable
/// <see cref="I3DNativeLibraryException"/> instead of TorchSharp's generic load failure, and
/// <see cref="UsePyTorchLibraries"/> (or set <c>I3D_TORCH_LIB_DIR</c>) to run on an existing PyTorch installation's libtorch,
/// e.g. its CUDA build.
/// </summary>
public static class I3DRuntime
{
    /// <summary>
    /// Environment variable naming an existing PyTorch installation's <c>torch/lib</c> folder to load libtorch from.
    /// </summary>
    public const string TorchLibDirVariable = "I3D_TORCH_LIB_DIR";

    /// <summary>
    /// Generic fallback for <see cref="TorchLibDirVariable"/>; honoured only when the application ships no libtorch of its
    /// own (it references <c>TorchSharp</c> without a backend package), since two libtorch copies must never share a process.
    /// </summary>
    public const string FallbackTorchLibDirVariable = "TORCH_LIB_DIR";

    private static readonly object Gate = new();
    private static volatile RuntimeState? state;
    private static Exception? failure;
    private static bool torchSharpInitializationAttempted;

    /// <summary>Whether the native libraries have been loaded successfully.</summary>
    public static bool IsInitialized => state is not null;

    /// <summary>The PyTorch <c>torch/lib</c> folder libtorch was loaded from, or <see langword="null"/> when the
    /// application's own backend package (e.g. TorchSharp-cpu) is used or nothing is loaded yet.</summary>
    public static string? PyTorchLibraryDirectory => state?.PyTorch?.Directory;

    /// <summary>Whether CUDA can be used: a CUDA build of libtorch is loaded and a GPU is visible. Initializes the runtime.</summary>
    /// <exception cref="I3DNativeLibraryException">The native libraries cannot be loaded.</exception>
    public static bool IsCudaAvailable => EnsureState().CudaAvailable.Value;

    /// <summary>
    /// Loads TorchSharp's native libraries if that has not happened yet; thread-safe and cheap once done. Uses the
    /// PyTorch folder named by <see cref="TorchLibDirVariable"/> (or <see cref="FallbackTorchLibDirVariable"/>) when set,
    /// otherwise the application's backend package.
    /// </summary>
    /// <exception cref="I3DNativeLibraryException">The native libraries cannot be loaded; the message says why and what to do.</exception>
    /// <exception cref="DirectoryNotFoundException">The PyTorch folder named by the environment variable does not exist.</exception>
    /// <exception cref="FileNotFoundException">That folder lacks a libtorch library; the message names it.</exception>
    /// <exception cref="InvalidOperationException">A PyTorch folder is configured but the application ships its own libtorch.</exception>
    public static void Initialize() => EnsureState();

    /// <summary>
    /// Runs TorchSharp on an existing PyTorch installation's libtorch (CPU or CUDA build) instead of a backend package.
    /// Call it before any other TorchSharp use, in an application that references <c>TorchSharp</c> without
    /// <c>TorchSharp-cpu</c> or a CUDA package. Calling it again with the same folder does nothing.
    /// </summary>
    /// <param name="torchLibDir">PyTorch's <c>torch/lib</c> folder, e.g. <c>.venv/lib/python3.12/site-packages/torch/lib</c>.</param>
    /// <exception cref="ArgumentException"><paramref name="torchLibDir"/> is empty.</exception>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder lacks a libtorch library; the message names it.</exception>
    /// <exception cref="InvalidOperationException">libtorch is already loaded from elsewhere, or the application ships its own.</exception>
    /// <exception cref="I3DNativeLibraryException">The libraries exist but cannot be loaded.</exception>
    public static void UsePyTorchLibraries(string torchLibDir)
    {
        ArgumentNullException.ThrowIfNull(torchLibDir);
        var libraries = PyTorchLibraries.Locate(torchLibDir, "passed to I3DRuntime.UsePyTorchLibraries");
        lock (Gate)
        {
            if (state is { } current)
            {
                if (current.PyTorch?.Directory == libraries.Directory) return;
                throw new InvalidOperationException(
                    $"TorchSharp's native libraries are already loaded from {current.Describe()}; UsePyTorchLibraries('{libraries.Directory}') "
                    + "must be called before any other TorchSharp or I3D.Net use, because libtorch cannot be replaced inside a running process.");
            }
            if (torchSharpInitializationAttempted)
            {
                // TorchSharp's type initializer ran and failed; .NET never runs it again in this process.
                throw new InvalidOperationException(
                    $"TorchSharp's native initialisation already failed in this process ({failure?.Message}), and it cannot be retried: "
                    + $"call UsePyTorchLibraries('{libraries.Directory}') before any other TorchSharp or I3D.Net use, or set {TorchLibDirVariable}.",
                    failure);
            }
            state = LoadPyTorch(libraries);
        }
    }

    /// <summary>Resolves a device option to a TorchSharp device, initializing the runtime first.</summary>
    /// <param name="device"><see cref="ComputeDevice.Auto"/> (CUDA when available, otherwise CPU), CPU or CUDA.</param>
    /// <returns>The device to create tensors and modules on.</returns>
    /// <exception cref="I3DNativeLibraryException">The native libraries cannot be loaded, or CUDA was asked for and is unavailable.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="device"/> is not a defined value.</exception>
    public static torch.Device ResolveDevice(ComputeDevice device = ComputeDevice.Auto)
    {
        if (!Enum.IsDefined(device))
            throw new ArgumentOutOfRangeException(nameof(device), device, "Expected ComputeDevice.Auto, Cpu or Cuda.");
        var current = EnsureState();
        return device switch
        {
            ComputeDevice.Cpu => torch.CPU,
            ComputeDevice.Cuda when current.CudaAvailable.Value => torch.CUDA,
            ComputeDevice.Cuda => throw new I3DNativeLibraryException(NativeLibraryFailure.CudaUnavailable, CudaUnavailableMessage(current)),
            _ => current.CudaAvailable.Value ? torch.CUDA : torch.CPU,
        };
    }

    /// <summary>
    /// Resolves a device name as configuration gives it: <c>auto</c>, <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>
    /// (case-insensitive). Asking for CUDA without a CUDA backend fails with what to reference, instead of TorchSharp's
    /// error on first use.
    /// </summary>
    /// <param name="device">The device name.</param>
    /// <returns>The device to create tensors and modules on.</returns>
    /// <exception cref="ArgumentException">The name is none of the above.</exception>
    /// <exception cref="I3DNativeLibraryException">The native libraries cannot be loaded, or CUDA was asked for and is unavailable.</exception>
    public static torch.Device ResolveDevice(string device)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        var name = device.Trim().ToLowerInvariant();
        if (name == "auto") return ResolveDevice(ComputeDevice.Auto);
        if (name == "cpu") return ResolveDevice(ComputeDevice.Cpu);
        if (name == "cuda" || (name.StartsWith("cuda:", StringComparison.Ordinal)
                               && int.TryParse(name.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            var cuda = ResolveDevice(ComputeDevice.Cuda);   // throws with the package to add when CUDA is unavailable
            return name == "cuda" ? cuda : new torch.Device(name);
        }
        throw new ArgumentException($"Unknown device '{device}': expected auto, cpu, cuda or cuda:N.", nameof(device));
    }

    /// <summary>Picks the PyTorch folder from the environment, or null to use the application's backend package.</summary>
    internal static (string Directory, string Source)? SelectTorchLibDir(Func<string, string?> getEnvironmentVariable, bool applicationShipsLibTorch)
    {
        var explicitDir = getEnvironmentVariable(TorchLibDirVariable);
        if (!string.IsNullOrWhiteSpace(explicitDir)) return (explicitDir, $"environment variable {TorchLibDirVariable}");
        var genericDir = getEnvironmentVariable(FallbackTorchLibDirVariable);
        if (!string.IsNullOrWhiteSpace(genericDir) && !applicationShipsLibTorch) return (genericDir, $"environment variable {FallbackTorchLibDirVariable}");
        return null;
    }

    /// <summary>The folder libtorch_cpu is mapped from, given the lines of <c>/proc/self/maps</c>; null when not loaded.</summary>
    internal static string? FindMappedLibTorch(IEnumerable<string> procMapsLines)
    {
        foreach (var line in procMapsLines)
        {
            int slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash >= 0 && Path.GetFileName(line[slash..].Trim()) == NativeLibraryNames.TorchCpu)
                return Path.GetDirectoryName(line[slash..].Trim());
        }
        return null;
    }

    /// <summary>The message for CUDA asked for but unavailable, naming what is loaded.</summary>
    internal static string CudaUnavailableMessage(string loadedFrom, bool pyTorchCudaBuild) =>
        pyTorchCudaBuild
            ? $"CUDA was requested, and libtorch's CUDA libraries are loaded from {loadedFrom}, but no GPU is visible: check nvidia-smi, the driver and CUDA_VISIBLE_DEVICES, or use ComputeDevice.Auto or ComputeDevice.Cpu."
            : $"CUDA was requested, but the loaded libtorch ({loadedFrom}) is a CPU-only build. Reference a CUDA backend package (TorchSharp-cuda-linux or TorchSharp-cuda-windows) instead of TorchSharp-cpu, "
              + $"or load a CUDA build of PyTorch with I3DRuntime.UsePyTorchLibraries or {TorchLibDirVariable}; or use ComputeDevice.Auto or ComputeDevice.Cpu.";

    private static string CudaUnavailableMessage(RuntimeState current) =>
        CudaUnavailableMessage(current.Describe(), current.PyTorch?.HasCuda ?? ApplicationShipsLibrary(NativeLibraryNames.FileName("torch_cuda")));

    private static RuntimeState EnsureState()
    {
        if (state is { } ready) return ready;
        lock (Gate)
        {
            if (state is { } raced) return raced;
            if (failure is not null) throw failure;
            try
            {
                var selected = SelectTorchLibDir(Environment.GetEnvironmentVariable, ApplicationShipsLibrary(NativeLibraryNames.TorchCpu));
                state = selected is { } s ? LoadPyTorch(PyTorchLibraries.Locate(s.Directory, s.Source)) : LoadBundled();
                return state;
            }
            catch (I3DNativeLibraryException e)
            {
                // TorchSharp's type initializer cannot run twice; keep answering with the diagnosis.
                failure = e;
                throw;
            }
        }
    }

    private static RuntimeState LoadBundled()
    {
        InitializeTorchSharp(() => torch.InitializeDeviceType(DeviceType.CPU), extraDirectory: null);
        return new RuntimeState(PyTorch: null);
    }

    private static RuntimeState LoadPyTorch(PyTorchLibraries libraries)
    {
        if (ApplicationShipsLibrary(NativeLibraryNames.TorchCpu))
            throw new InvalidOperationException(
                $"The application ships its own libtorch ({NativeLibraryNames.TorchCpu} in {string.Join(" or ", NativeLibraryNames.ApplicationSearchDirectories())}, "
                + $"from TorchSharp-cpu or a CUDA package), so the PyTorch libraries in '{libraries.Directory}' cannot be used as well: two libtorch copies in one process "
                + $"corrupt each other. Reference TorchSharp only (no backend package), or unset {TorchLibDirVariable}.");

        if (OperatingSystem.IsLinux() && FindMappedLibTorch(File.ReadLines("/proc/self/maps")) is { } loaded && loaded != libraries.Directory)
            throw new InvalidOperationException(
                $"libtorch is already loaded from '{loaded}'; the PyTorch libraries in '{libraries.Directory}' must be chosen before any TorchSharp use.");

        foreach (var path in libraries.LoadOrder)
        {
            try
            {
                NativeLibrary.Load(path);
            }
            catch (DllNotFoundException e)
            {
                throw NativeLoadDiagnostics.Diagnose(e.Message, e.Message, LibStdCxxInfo.Probe(), [libraries.Directory], NativeLibraryNames.ListFiles([libraries.Directory]), e);
            }
        }

        bool cuda = false;
        InitializeTorchSharp(
            () =>
            {
                // A CUDA build on a machine without a GPU still works on the CPU, so CUDA is tried, not required.
                cuda = libraries.HasCuda && torch.TryInitializeDeviceType(DeviceType.CUDA);
                if (!cuda) torch.InitializeDeviceType(DeviceType.CPU);
            },
            libraries.Directory);
        return new RuntimeState(libraries);
    }

    private static void InitializeTorchSharp(Action initialize, string? extraDirectory)
    {
        torchSharpInitializationAttempted = true;
        try
        {
            initialize();
        }
        catch (Exception e) when (NativeLoadDiagnostics.IsNativeLoadFailure(e))
        {
            var directories = NativeLibraryNames.ApplicationSearchDirectories().Concat(extraDirectory is null ? [] : [extraDirectory]).ToList();
            var files = NativeLibraryNames.ListFiles(directories);
            throw NativeLoadDiagnostics.Diagnose(Innermost(e).Message, ShimLoaderError(directories), LibStdCxxInfo.Probe(), directories, files, e);
        }
    }

    /// <summary>What the OS loader says about TorchSharp's shim: TorchSharp only records that loading failed, not why.</summary>
    private static string? ShimLoaderError(IEnumerable<string> directories)
    {
        var shim = directories.Select(d => Path.Combine(d, NativeLibraryNames.LibTorchSharp)).FirstOrDefault(File.Exists);
        if (shim is null) return null;
        try
        {
            NativeLibrary.Load(shim);
            return null;
        }
        catch (DllNotFoundException e)
        {
            return e.Message;
        }
        catch (BadImageFormatException e)
        {
            return e.Message;
        }
    }

    private static bool ApplicationShipsLibrary(string fileName) =>
        NativeLibraryNames.ListFiles(NativeLibraryNames.ApplicationSearchDirectories()).Contains(fileName);

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    private sealed record RuntimeState(PyTorchLibraries? PyTorch)
    {
        // Asking TorchSharp about CUDA loads more of the backend; do it only when a caller needs the answer.
        public Lazy<bool> CudaAvailable { get; } = new(() => torch.cuda.is_available(), LazyThreadSafetyMode.ExecutionAndPublication);

        public string Describe() => PyTorch is null ? "the application's TorchSharp backend package" : $"the PyTorch installation '{PyTorch.Directory}'";
    }
}
