using I3D.Net.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>Where benchmarks run: <c>I3D_BENCH_DEVICE=cuda</c> selects the GPU, anything else the CPU.</summary>
internal static class BenchDevice
{
    // I3DRuntime loads libtorch first: TorchSharp-cpu's, or a PyTorch install's named by I3D_TORCH_LIB_DIR.
    public static Device Device { get; } = I3DRuntime.ResolveDevice(
        string.Equals(Environment.GetEnvironmentVariable("I3D_BENCH_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase)
            ? ComputeDevice.Cuda : ComputeDevice.Cpu);

    public static bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>Waits for queued GPU work so a measured operation includes it.</summary>
    public static void Synchronize()
    {
        if (IsCuda) cuda.synchronize();
    }
}
