using I3D.Net.Runtime;

namespace I3D.Net.Tests.Runtime;

public sealed class PyTorchLibrariesTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("i3d-torchlib-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private void Touch(params string[] names)
    {
        foreach (var name in names) File.WriteAllBytes(Path.Combine(dir, name), []);
    }

    [Fact]
    public void Missing_folder_is_named()
    {
        var missing = Path.Combine(dir, "nope", "torch", "lib");

        var act = () => PyTorchLibraries.Locate(missing, "test");

        act.Should().Throw<DirectoryNotFoundException>().WithMessage($"*'{missing}'*does not exist*torch/lib*");
    }

    [Fact]
    public void Empty_path_is_rejected()
    {
        var act = () => PyTorchLibraries.Locate(" ", "environment variable I3D_TORCH_LIB_DIR");

        act.Should().Throw<ArgumentException>().WithMessage("*I3D_TORCH_LIB_DIR*empty*");
    }

    [Theory]
    [InlineData(new string[0], "libc10.so")]
    [InlineData(new[] { "libc10.so" }, "libtorch_cpu.so")]
    [InlineData(new[] { "libc10.so", "libtorch_cpu.so" }, "libtorch.so")]
    [InlineData(new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so", "libc10_cuda.so" }, "libtorch_cuda.so")]
    [InlineData(new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so", "libtorch_cuda.so" }, "libc10_cuda.so")]
    public void Folder_lacking_a_library_names_the_missing_file(string[] present, string missing)
    {
        if (!OperatingSystem.IsLinux()) return;
        Touch(present);

        var act = () => PyTorchLibraries.Locate(dir, "test");

        act.Should().Throw<FileNotFoundException>()
            .WithMessage($"*lacks {missing}*")
            .Which.FileName.Should().Be(Path.Combine(dir, missing));
    }

    [Fact]
    public void Cpu_build_loads_c10_then_torch_cpu_then_torch()
    {
        if (!OperatingSystem.IsLinux()) return;
        Touch("libc10.so", "libtorch_cpu.so", "libtorch.so", "libshm.so");

        var libraries = PyTorchLibraries.Locate(dir, "test");

        libraries.HasCuda.Should().BeFalse();
        libraries.LoadOrder.Select(Path.GetFileName).Should().Equal("libc10.so", "libtorch_cpu.so", "libtorch.so");
        libraries.LoadOrder.Should().OnlyContain(p => Path.GetDirectoryName(p) == dir);
    }

    [Fact]
    public void Cuda_build_loads_the_cuda_libraries_before_libtorch()
    {
        if (!OperatingSystem.IsLinux()) return;
        Touch("libc10.so", "libtorch_cpu.so", "libtorch.so", "libc10_cuda.so", "libtorch_cuda.so");

        var libraries = PyTorchLibraries.Locate(dir + "/", "test");

        libraries.HasCuda.Should().BeTrue();
        libraries.Directory.Should().Be(dir);
        libraries.LoadOrder.Select(Path.GetFileName).Should()
            .Equal("libc10.so", "libtorch_cpu.so", "libc10_cuda.so", "libtorch_cuda.so", "libtorch.so");
    }
}
