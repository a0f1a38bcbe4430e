using I3D.Net.Runtime;

namespace I3D.Net.Tests.Runtime;

public class LibTorchSettingsTests
{
    [Fact]
    public void Cudnn_benchmark_round_trips_through_libtorch()
    {
        var original = LibTorchSettings.CudnnBenchmark;
        try
        {
            LibTorchSettings.CudnnBenchmark = true;
            LibTorchSettings.CudnnBenchmark.Should().BeTrue();
            LibTorchSettings.CudnnBenchmark = false;
            LibTorchSettings.CudnnBenchmark.Should().BeFalse();
        }
        finally
        {
            LibTorchSettings.CudnnBenchmark = original;
        }
    }
}
