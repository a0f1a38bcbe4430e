using System.Buffers.Binary;
using System.Runtime.InteropServices;
using I3D.Net.Data.Video;
using I3D.Net.Tests.Hostile;
using OpenCvSharp;

namespace I3D.Net.Tests.Data.Video;

/// <summary>
/// Issue 13 §5: OpenCV's FFmpeg backend prints its errors ("moov atom not found") to the process's stdout/stderr.
/// The library silences it; the test captures the native file descriptors. Not parallel: it redirects fd 1 and 2.
/// </summary>
[Collection(HostileInputCollection.Name)]
public sealed class NativeLoggingTests
{
    [Fact]
    public void FFmpeg_and_OpenCV_noise_is_silenced_once_the_library_has_loaded_OpenCV()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "captures file descriptors through libc");
        using var tmp = new TempFolder();
        var broken = tmp.File("broken.mp4");
        var bytes = new byte[200];
        BinaryPrimitives.WriteInt32BigEndian(bytes, 24);
        "ftypisom\0\0\0\0isommp41"u8.CopyTo(bytes.AsSpan(4));
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(24), 1000);
        "mdat"u8.CopyTo(bytes.AsSpan(28));
        File.WriteAllBytes(broken, bytes);
        OpenCvNative.EnsureLoaded();
        try
        {
            // OpenCV sets FFmpeg's log level once, at its first FFmpeg use: do that first, so the level set next stays.
            Capture(() =>
            {
                using var warmUp = new VideoCapture(broken, VideoCaptureAPIs.FFMPEG);
            });
            // Loud, as OpenCV is by default: proves the capture sees the noise.
            Cv2.SetLogLevel(OpenCvSharp.LogLevel.WARNING);
            OpenCvNative.SetFfmpegLogLevel(16).Should().BeTrue("OpenCvSharpExtern exports av_log_set_level on Linux");
            var loud = Capture(() =>
            {
                using var capture = new VideoCapture(broken, VideoCaptureAPIs.FFMPEG);
                capture.IsOpened().Should().BeFalse();
            });
            loud.Should().Contain("moov atom not found");

            OpenCvNative.QuietNativeLogging();
            var quiet = Capture(() =>
            {
                var act = () => new OpenCvVideoReader(broken);
                act.Should().Throw<InvalidDataException>().WithMessage("*could not open*broken.mp4*");
            });
            quiet.Should().NotContain("moov atom").And.NotContain("WARN");
        }
        finally
        {
            OpenCvNative.QuietNativeLogging();
        }
    }

    private static string Capture(Action action)
    {
        var file = Path.GetTempFileName();
        var fd = Open(file, 0x241 /* O_WRONLY | O_CREAT | O_TRUNC */, 0x180);
        var savedOut = Dup(1);
        var savedErr = Dup(2);
        try
        {
            Flush(IntPtr.Zero);
            Dup2(fd, 1);
            Dup2(fd, 2);
            action();
            Flush(IntPtr.Zero);
        }
        finally
        {
            Dup2(savedOut, 1);
            Dup2(savedErr, 2);
            Close(savedOut);
            Close(savedErr);
            Close(fd);
        }
        var text = File.ReadAllText(file);
        File.Delete(file);
        return text;
    }

    [DllImport("libc", EntryPoint = "open", CharSet = CharSet.Ansi)]
    private static extern int Open(string path, int flags, int mode);

    [DllImport("libc", EntryPoint = "dup")]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "dup2")]
    private static extern int Dup2(int fd, int target);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    [DllImport("libc", EntryPoint = "fflush")]
    private static extern int Flush(IntPtr stream);
}
