using System.Runtime.InteropServices;
using I3D.Net.Data.Video;

namespace I3D.Net.Tests.Data.Video;

/// <summary>Issue 13 §5: a missing OpenCV native library is diagnosed like I3DRuntime's, naming the package to add.</summary>
public class OpenCvNativeTests
{
    private static TypeInitializationException Missing(string loaderText) =>
        new("OpenCvSharp.Internal.NativeMethods", new DllNotFoundException(loaderText));

    [Fact]
    public void A_missing_native_runtime_names_the_package_for_the_platform()
    {
        var ex = Missing("Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies.\n" +
                         "/app/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory");
        OpenCvNative.IsNativeLoadFailure(ex).Should().BeTrue();
        var linux = OpenCvNative.Diagnose(ex, OSPlatform.Linux, Architecture.X64, "4.13.0.20260627");
        linux.Should().Contain("OpenCvSharpExtern").And.Contain("was not found")
            .And.Contain("dotnet add package OpenCvSharp4.official.runtime.linux-x64 --version 4.13.0.20260627");
        var windows = OpenCvNative.Diagnose(new DllNotFoundException("Unable to load DLL 'OpenCvSharpExtern'"), OSPlatform.Windows, Architecture.X64, null);
        windows.Should().Contain("dotnet add package OpenCvSharp4.runtime.win").And.NotContain("linux");
        OpenCvNative.Diagnose(ex, OSPlatform.Linux, Architecture.Arm64, null).Should().Contain("runtime package for LINUX Arm64");
    }

    [Fact]
    public void A_missing_dependency_such_as_gtk_is_named_with_its_install_command()
    {
        var ex = Missing("Unable to load shared library 'OpenCvSharpExtern' or one of its dependencies.\n" +
                         "/app/runtimes/linux-x64/native/libOpenCvSharpExtern.so: libgtk-3.so.0: cannot open shared object file: No such file or directory\n" +
                         "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libOpenCvSharpExtern.so: cannot open shared object file: No such file or directory");
        var message = OpenCvNative.Diagnose(ex, OSPlatform.Linux, Architecture.X64, null);
        message.Should().Contain("a library it needs is missing: libgtk-3.so.0").And.Contain("apt-get install -y libgtk-3-0")
            .And.NotContain("libOpenCvSharpExtern.so,");
    }

    [Fact]
    public void A_version_mismatch_asks_for_matching_packages()
    {
        var ex = new TypeInitializationException("OpenCvSharp.Cv2", new EntryPointNotFoundException("Unable to find an entry point named 'core_foo'"));
        OpenCvNative.Diagnose(ex, OSPlatform.Linux, Architecture.X64, "4.13.0.20260627")
            .Should().Contain("does not match the managed OpenCvSharp4 package (4.13.0.20260627)").And.Contain("core_foo");
    }

    [Fact]
    public void Other_exceptions_are_not_load_failures()
    {
        OpenCvNative.IsNativeLoadFailure(new InvalidOperationException("x")).Should().BeFalse();
        OpenCvNative.IsNativeLoadFailure(new TypeInitializationException("T", new ArgumentException("y"))).Should().BeFalse();
    }
}
