using System.Reflection;
using System.Runtime.InteropServices;

namespace I3D.Net.Runtime;

/// <summary>
/// libtorch's global switches that TorchSharp 0.107 does not expose, reached through <c>at::globalContext()</c> in
/// the loaded <c>libtorch_cpu</c> (the same library PyTorch's <c>torch.backends.cudnn.benchmark</c> sets).
/// </summary>
public static class LibTorchSettings
{
    private const string LibTorchCpu = "libtorch_cpu";

    static LibTorchSettings()
    {
        // libtorch_cpu is already loaded (by TorchSharp or from a PyTorch folder by I3DRuntime); dlopen of its soname
        // returns that copy, so the switch acts on the libtorch in use, never on a second one.
        NativeLibrary.SetDllImportResolver(typeof(LibTorchSettings).Assembly, Resolve);
    }

    /// <summary>
    /// cuDNN autotuning (PyTorch's <c>torch.backends.cudnn.benchmark</c>): on the first convolution of each input shape
    /// cuDNN times its algorithms and keeps the fastest. Worth it for the fixed clip sizes of training and batch
    /// inference; the first step per shape is slower. Off by default; no effect on CPU.
    /// </summary>
    /// <exception cref="I3DNativeLibraryException">The native libraries cannot be loaded.</exception>
    public static bool CudnnBenchmark
    {
        get
        {
            I3DRuntime.Initialize();
            return Native.BenchmarkCuDNN(Native.GlobalContext());
        }
        set
        {
            I3DRuntime.Initialize();
            Native.SetBenchmarkCuDNN(Native.GlobalContext(), value);
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != LibTorchCpu) return IntPtr.Zero;
        if (I3DRuntime.PyTorchLibraryDirectory is { } dir && NativeLibrary.TryLoad(Path.Combine(dir, "libtorch_cpu.so"), out var fromPyTorch))
            return fromPyTorch;
        return NativeLibrary.TryLoad("libtorch_cpu.so", out var handle) ? handle
            : NativeLibrary.TryLoad(LibTorchCpu, assembly, searchPath, out handle) ? handle : IntPtr.Zero;
    }

    private static class Native
    {
        // Itanium C++ ABI names of at::globalContext() and at::Context members (stable across libtorch 2.x).
        [DllImport(LibTorchCpu, EntryPoint = "_ZN2at13globalContextEv")]
        public static extern IntPtr GlobalContext();

        [DllImport(LibTorchCpu, EntryPoint = "_ZN2at7Context17setBenchmarkCuDNNEb")]
        public static extern void SetBenchmarkCuDNN(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool value);

        [DllImport(LibTorchCpu, EntryPoint = "_ZNK2at7Context14benchmarkCuDNNEv")]
        [return: MarshalAs(UnmanagedType.U1)]
        public static extern bool BenchmarkCuDNN(IntPtr context);
    }
}
