using System.Diagnostics;
using System.Reflection;

namespace I3D.Net.Tests.Runtime;

/// <summary>
/// Runs tests/I3D.Net.RuntimeProbe (an app referencing TorchSharp without a backend) in child processes: libtorch can be
/// loaded only once per process, so the no-backend diagnosis and the PyTorch-folder path are tested end to end there.
/// </summary>
[Trait(TestDevice.Trait, TestDevice.CpuOnly)]
public class RuntimeProbeTests
{
    private static readonly string ProbeDll = typeof(RuntimeProbeTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RuntimeProbe").Value!;

    // The TorchSharp-cpu backend of this test project has the layout of PyTorch's torch/lib (libc10, libtorch_cpu, libtorch).
    // A build keeps it under runtimes/linux-x64/native; a RID-specific publish (the published xunit v3 runner) puts it beside the tests.
    private static readonly string CpuLibTorchDir = new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), AppContext.BaseDirectory.TrimEnd('/') }
        .First(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")) || d == AppContext.BaseDirectory.TrimEnd('/'));

    private static (int ExitCode, Dictionary<string, string> Values, string Output) RunProbe(IDictionary<string, string> environment, params string[] arguments)
    {
        TestDevice.SkipUnlessBundledCpuBackend();   // the probe runs against this build's own libtorch folder
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(ProbeDll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("I3D_TORCH_LIB_DIR");
        start.Environment.Remove("TORCH_LIB_DIR");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(60_000).Should().BeTrue("the probe should finish within a minute");
        var values = output.Split('\n')
            .Select(l => l.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].All(char.IsAsciiLetterLower))
            .GroupBy(kv => kv[0])
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim());
        return (process.ExitCode, values, output + stderr.Result);
    }

    [Fact]
    public void App_without_a_backend_gets_the_no_backend_diagnosis()
    {
        if (!OperatingSystem.IsLinux()) return;
        // A NuGet cache TorchSharp could borrow libtorch-cpu from would hide the missing reference; point it nowhere.
        var (exitCode, values, output) = RunProbe(new Dictionary<string, string> { ["NUGET_PACKAGES"] = "/nonexistent/i3d-no-packages" });

        exitCode.Should().Be(3, output);
        values["failure"].Should().Be("NoNativeBackend", output);
        values["message"].Should().Contain("no libtorch_cpu.so").And.Contain("TorchSharp-cpu").And.Contain("I3D_TORCH_LIB_DIR");
    }

    [Theory]
    [InlineData("I3D_TORCH_LIB_DIR")]
    [InlineData("TORCH_LIB_DIR")]
    public void App_without_a_backend_runs_on_a_libtorch_folder_named_by_the_environment(string variable)
    {
        if (!OperatingSystem.IsLinux()) return;
        File.Exists(Path.Combine(CpuLibTorchDir, "libtorch_cpu.so")).Should().BeTrue("TorchSharp-cpu's libraries are copied next to the tests");

        var (exitCode, values, output) = RunProbe(new Dictionary<string, string>
        {
            [variable] = CpuLibTorchDir,
            ["NUGET_PACKAGES"] = "/nonexistent/i3d-no-packages",
        });

        exitCode.Should().Be(0, output);
        values["sums"].Should().Be("3,12");
        values["pytorch"].Should().Be(CpuLibTorchDir);
        values["libtorch"].Should().Be(CpuLibTorchDir, "libtorch must come from the named folder and nowhere else");
        values["device"].Should().Be("CPU");
    }

    [Fact]
    public void UsePyTorchLibraries_after_a_failed_initialisation_explains_that_it_cannot_be_retried()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (exitCode, values, output) = RunProbe(
            new Dictionary<string, string> { ["NUGET_PACKAGES"] = "/nonexistent/i3d-no-packages" }, "--retry-with", CpuLibTorchDir);

        exitCode.Should().Be(4, output);
        values["first"].Should().Be("NoNativeBackend");
        values["exception"].Should().Be("System.InvalidOperationException");
        values["message"].Should().Contain("already failed").And.Contain("cannot be retried").And.Contain("before any other TorchSharp");
    }

    [Fact]
    public void Bad_folder_in_the_environment_names_the_missing_library()
    {
        if (!OperatingSystem.IsLinux()) return;
        var dir = Directory.CreateTempSubdirectory("i3d-torchlib-").FullName;
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "libc10.so"), []);

            var (exitCode, values, output) = RunProbe(new Dictionary<string, string> { ["I3D_TORCH_LIB_DIR"] = dir });

            exitCode.Should().Be(4, output);
            values["exception"].Should().Be("System.IO.FileNotFoundException");
            values["message"].Should().Contain("lacks libtorch_cpu.so").And.Contain("I3D_TORCH_LIB_DIR");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
