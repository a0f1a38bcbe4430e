using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>Where benchmarks run: <c>I3D_BENCH_DEVICE=cuda</c> selects the GPU, anything else the CPU.</summary>
internal static class BenchDevice
{
    public static Device Device { get; } =
        string.Equals(Environment.GetEnvironmentVariable("I3D_BENCH_DEVICE"), "cuda", StringComparison.OrdinalIgnoreCase)
            ? CUDA : CPU;

    public static bool IsCuda => Device.type == DeviceType.CUDA;

    /// <summary>Waits for queued GPU work so a measured operation includes it.</summary>
    public static void Synchronize()
    {
        if (IsCuda) cuda.synchronize();
    }
}
