using I3D.Net.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Runtime;

[Trait(TestDevice.Trait, TestDevice.CpuOnly)]
public class I3DRuntimeTests
{
    [Fact]
    public void Initialize_loads_libtorch_and_tensor_ops_compute()
    {
        TestDevice.SkipUnlessBundledCpuBackend();
        I3DRuntime.Initialize();
        I3DRuntime.Initialize(); // idempotent

        I3DRuntime.IsInitialized.Should().BeTrue();
        I3DRuntime.PyTorchLibraryDirectory.Should().BeNull("the tests use the TorchSharp-cpu backend package");
        using var sums = torch.arange(6, ScalarType.Float32).reshape(2, 3).sum(1);
        sums.data<float>().ToArray().Should().Equal(3f, 12f);
    }

    [Fact]
    public void Initialize_from_many_threads_at_once_yields_one_working_runtime()
    {
        var results = new float[8];
        Parallel.For(0, results.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            I3DRuntime.Initialize();
            using var t = torch.full(2, 2, i, ScalarType.Float32);
            results[i] = t.sum().item<float>();
        });

        results.Should().Equal(Enumerable.Range(0, 8).Select(i => 4f * i));
    }

    [Fact]
    public void Auto_resolves_to_the_cpu_with_the_cpu_backend()
    {
        TestDevice.SkipUnlessBundledCpuBackend();
        I3DRuntime.IsCudaAvailable.Should().BeFalse();
        I3DRuntime.ResolveDevice().type.Should().Be(DeviceType.CPU);
        I3DRuntime.ResolveDevice(ComputeDevice.Cpu).type.Should().Be(DeviceType.CPU);
    }

    [Fact]
    public void Cuda_on_the_cpu_backend_fails_with_what_to_reference()
    {
        TestDevice.SkipUnlessBundledCpuBackend();
        var act = () => I3DRuntime.ResolveDevice(ComputeDevice.Cuda);

        act.Should().Throw<I3DNativeLibraryException>()
            .Where(e => e.Failure == NativeLibraryFailure.CudaUnavailable)
            .WithMessage("*CPU-only*TorchSharp-cuda-linux*I3D_TORCH_LIB_DIR*");
    }

    [Fact]
    public void A_cuda_device_name_on_the_cpu_backend_names_the_package_to_add()
    {
        TestDevice.SkipUnlessBundledCpuBackend();
        I3DRuntime.ResolveDevice("CPU").type.Should().Be(DeviceType.CPU);
        I3DRuntime.ResolveDevice("auto").type.Should().Be(I3DRuntime.IsCudaAvailable ? DeviceType.CUDA : DeviceType.CPU);
        if (!I3DRuntime.IsCudaAvailable)
        {
            foreach (var name in new[] { "cuda", "cuda:1" })
                FluentActions.Invoking(() => I3DRuntime.ResolveDevice(name)).Should().Throw<I3DNativeLibraryException>()
                    .WithMessage("*TorchSharp-cuda-linux or TorchSharp-cuda-windows*");
            FluentActions.Invoking(() => I3D.Net.Training.I3DTrainer.ResolveDevice("cuda")).Should().Throw<I3DNativeLibraryException>()
                .WithMessage("*TorchSharp-cuda-linux*", "TrainingOptions.Device = \"cuda\" resolves through the runtime");
        }
        FluentActions.Invoking(() => I3DRuntime.ResolveDevice("gpu")).Should().Throw<ArgumentException>().WithMessage("*'gpu'*auto, cpu, cuda or cuda:N*");
    }

    [Fact]
    public void Undefined_device_value_is_rejected()
    {
        var act = () => I3DRuntime.ResolveDevice((ComputeDevice)42);

        act.Should().Throw<ArgumentOutOfRangeException>().WithParameterName("device");
    }

    [Fact]
    public void UsePyTorchLibraries_with_a_missing_folder_names_it()
    {
        var act = () => I3DRuntime.UsePyTorchLibraries("/nonexistent/site-packages/torch/lib");

        act.Should().Throw<DirectoryNotFoundException>().WithMessage("*'/nonexistent/site-packages/torch/lib'*UsePyTorchLibraries*");
    }

    [Fact]
    public void UsePyTorchLibraries_after_libtorch_is_loaded_refuses_to_load_a_second_copy()
    {
        if (!OperatingSystem.IsLinux()) return;
        I3DRuntime.Initialize();
        var dir = Directory.CreateTempSubdirectory("i3d-torchlib-").FullName;
        try
        {
            // Empty files: the check must fail before anything is loaded.
            foreach (var name in new[] { "libc10.so", "libtorch_cpu.so", "libtorch.so" }) File.WriteAllBytes(Path.Combine(dir, name), []);

            var act = () => I3DRuntime.UsePyTorchLibraries(dir);

            act.Should().Throw<InvalidOperationException>().WithMessage($"*already loaded*UsePyTorchLibraries('{dir}')*before*");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void I3D_variable_wins_over_the_generic_one()
    {
        var env = new Dictionary<string, string?> { ["I3D_TORCH_LIB_DIR"] = "/a/torch/lib", ["TORCH_LIB_DIR"] = "/b/torch/lib" };

        I3DRuntime.SelectTorchLibDir(env.GetValueOrDefault, applicationShipsLibTorch: false)
            .Should().Be(("/a/torch/lib", "environment variable I3D_TORCH_LIB_DIR"));
        // Explicit wish: kept even when the app ships libtorch, so loading reports the conflict instead of ignoring it.
        I3DRuntime.SelectTorchLibDir(env.GetValueOrDefault, applicationShipsLibTorch: true)!.Value.Directory.Should().Be("/a/torch/lib");
    }

    [Fact]
    public void Generic_variable_is_used_only_when_the_application_ships_no_libtorch()
    {
        var env = new Dictionary<string, string?> { ["TORCH_LIB_DIR"] = "/b/torch/lib", ["I3D_TORCH_LIB_DIR"] = " " };

        I3DRuntime.SelectTorchLibDir(env.GetValueOrDefault, applicationShipsLibTorch: false)
            .Should().Be(("/b/torch/lib", "environment variable TORCH_LIB_DIR"));
        I3DRuntime.SelectTorchLibDir(env.GetValueOrDefault, applicationShipsLibTorch: true).Should().BeNull();
        I3DRuntime.SelectTorchLibDir(_ => null, applicationShipsLibTorch: false).Should().BeNull();
    }

    [Fact]
    public void FindMappedLibTorch_reads_the_folder_from_proc_maps()
    {
        var maps = new[]
        {
            "7f00-7f10 r--p 00000000 08:01 1 /opt/torch/.venv/lib/python3.12/site-packages/torch/lib/libc10.so",
            "7f20-7f30 r-xp 00000000 08:01 2 /opt/torch/.venv/lib/python3.12/site-packages/torch/lib/libtorch_cpu.so",
        };

        I3DRuntime.FindMappedLibTorch(maps).Should().Be("/opt/torch/.venv/lib/python3.12/site-packages/torch/lib");
        I3DRuntime.FindMappedLibTorch(maps.Take(1)).Should().BeNull();
    }

    [Fact]
    public void FindMappedLibTorch_sees_the_backend_loaded_in_this_process()
    {
        TestDevice.SkipUnlessBundledCpuBackend();
        if (!OperatingSystem.IsLinux()) return;
        I3DRuntime.Initialize();

        I3DRuntime.FindMappedLibTorch(File.ReadLines("/proc/self/maps")).Should().StartWith(AppContext.BaseDirectory.TrimEnd('/'));
    }
}
