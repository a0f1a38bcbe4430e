using I3D.Net.Runtime;

namespace I3D.Net.Tests.Runtime;

public class NativeLoadDiagnosticsTests
{
    // The message TorchSharp 0.107 throws for every native load failure, whatever the cause.
    private const string TorchSharpMessage =
        "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.";

    private const string OldLibStdCxxLoaderError =
        "Unable to load shared library '/app/runtimes/linux-x64/native/libLibTorchSharp.so' or one of its dependencies. "
        + "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /app/runtimes/linux-x64/native/libLibTorchSharp.so)";

    private static readonly string[] Searched = ["/app", "/app/runtimes/linux-x64/native"];
    private static readonly string[] ShimOnly = ["libLibTorchSharp.so", "TorchSharp.dll"];
    private static readonly string[] FullBackend = ["libLibTorchSharp.so", "libtorch_cpu.so", "libtorch.so", "libc10.so"];
    private static readonly LibStdCxxInfo Gcc13 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", new Version(3, 4, 33));
    private static readonly LibStdCxxInfo Gcc12 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6", new Version(3, 4, 30));

    [Fact]
    public void Missing_backend_package_is_named_with_the_packages_to_add()
    {
        var inner = new NotSupportedException(TorchSharpMessage);

        var e = NativeLoadDiagnostics.Diagnose(TorchSharpMessage, null, Gcc13, Searched, ShimOnly, inner);

        e.Failure.Should().Be(NativeLibraryFailure.NoNativeBackend);
        e.Message.Should().Contain("libtorch_cpu.so").And.Contain("/app/runtimes/linux-x64/native")
            .And.Contain("TorchSharp-cpu").And.Contain("TorchSharp-cuda-linux").And.Contain("I3D_TORCH_LIB_DIR")
            .And.Contain("UsePyTorchLibraries").And.NotContain("GLIBCXX");
        e.InnerException.Should().BeSameAs(inner);
    }

    [Fact]
    public void Old_libstdcxx_from_the_probe_is_named_with_the_fix()
    {
        var e = NativeLoadDiagnostics.Diagnose(TorchSharpMessage, null, Gcc12, Searched, FullBackend, null);

        e.Failure.Should().Be(NativeLibraryFailure.LibStdCxxTooOld);
        e.Message.Should().Contain("GLIBCXX_3.4.32").And.Contain("GLIBCXX_3.4.30").And.Contain("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
            .And.Contain("glibc >= 2.38").And.Contain("Ubuntu 24.04").And.Contain("Debian 13").And.Contain("eng/setup.sh")
            .And.NotContain("TorchSharp-cpu");
    }

    [Fact]
    public void Old_libstdcxx_is_recognised_from_the_loader_error_when_the_probe_found_nothing()
    {
        var e = NativeLoadDiagnostics.Diagnose(TorchSharpMessage, OldLibStdCxxLoaderError, LibStdCxxInfo.NotFound, Searched, FullBackend, null);

        e.Failure.Should().Be(NativeLibraryFailure.LibStdCxxTooOld);
        e.Message.Should().Contain("GLIBCXX_3.4.32").And.Contain("version `GLIBCXX_3.4.32' not found");
    }

    [Fact]
    public void Missing_backend_wins_but_an_old_libstdcxx_is_mentioned_too()
    {
        var e = NativeLoadDiagnostics.Diagnose(TorchSharpMessage, null, Gcc12, Searched, ShimOnly, null);

        e.Failure.Should().Be(NativeLibraryFailure.NoNativeBackend);
        e.Message.Should().Contain("TorchSharp-cpu").And.Contain("GLIBCXX_3.4.30").And.Contain("eng/setup.sh");
    }

    [Fact]
    public void Present_backend_and_new_libstdcxx_is_unknown_and_keeps_the_trace()
    {
        var inner = new NotSupportedException(TorchSharpMessage + "\nTrace from LoadNativeBackend: ...");

        var e = NativeLoadDiagnostics.Diagnose(inner.Message, "libcuda.so.1: cannot open shared object file", Gcc13, Searched, FullBackend, inner);

        e.Failure.Should().Be(NativeLibraryFailure.Unknown);
        e.Message.Should().Contain("libcuda.so.1: cannot open shared object file").And.Contain("GLIBCXX_3.4.33").And.Contain("inner exception");
        e.InnerException.Should().BeSameAs(inner);
    }

    [Fact]
    public void TorchSharps_load_failures_are_recognised_and_others_are_not()
    {
        NativeLoadDiagnostics.IsNativeLoadFailure(new NotSupportedException(TorchSharpMessage)).Should().BeTrue();
        NativeLoadDiagnostics.IsNativeLoadFailure(new NotSupportedException(
            "The libtorch-cpu-linux-x64 package version 2.10.0.0 is not restored on this system.")).Should().BeTrue();
        NativeLoadDiagnostics.IsNativeLoadFailure(new TypeInitializationException("TorchSharp.torch", new NotSupportedException(TorchSharpMessage)))
            .Should().BeTrue();
        NativeLoadDiagnostics.IsNativeLoadFailure(new DllNotFoundException("libLibTorchSharp.so")).Should().BeTrue();

        NativeLoadDiagnostics.IsNativeLoadFailure(new NotSupportedException("TorchSharp only supports 64-bit processes.")).Should().BeFalse();
        NativeLoadDiagnostics.IsNativeLoadFailure(new ArgumentException("shape")).Should().BeFalse();
    }
}
