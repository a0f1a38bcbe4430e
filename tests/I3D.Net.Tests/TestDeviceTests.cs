using I3D.Net.Runtime;
using TorchSharp;

namespace I3D.Net.Tests;

/// <summary>I3D_TEST_DEVICE's parsing: a bad value or an unavailable CUDA is an error, never a silent CPU run.</summary>
public class TestDeviceTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("cpu")]
    [InlineData(" CPU ")]
    public void Unset_or_cpu_selects_the_cpu(string? value) =>
        TestDevice.Parse(value).type.Should().Be(DeviceType.CPU);

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:0")]
    [InlineData("mps")]
    public void An_unknown_value_names_itself_and_the_choices(string value) =>
        FluentActions.Invoking(() => TestDevice.Parse(value)).Should().Throw<ArgumentException>()
            .WithMessage($"*I3D_TEST_DEVICE='{value}'*'cpu'*'cuda'*");

    [Fact]
    public void Cuda_without_a_cuda_backend_fails_with_the_runtime_reason()
    {
        Assert.SkipWhen(I3DRuntime.IsCudaAvailable, "this process has CUDA: the failure path cannot happen here");

        FluentActions.Invoking(() => TestDevice.Parse("cuda")).Should().Throw<InvalidOperationException>()
            .WithMessage("*I3D_TEST_DEVICE=cuda asks for CUDA*has none*run-gpu.sh*")
            .WithInnerException<I3DNativeLibraryException>().Where(e => e.Failure == NativeLibraryFailure.CudaUnavailable);
    }
}
