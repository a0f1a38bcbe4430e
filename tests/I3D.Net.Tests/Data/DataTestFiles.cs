using System.Diagnostics;
using OpenCvSharp;

namespace I3D.Net.Tests.Data;

/// <summary>A temporary folder deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "i3d-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string relative) => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Test videos whose frame t is a flat colour that encodes t, so a decoded frame tells its index.</summary>
internal static class DataTestFiles
{
    public const int Frames = 30;

    public static string FixturePath(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);

    /// <summary>RGB colour of frame t: R = 20 + 7t, G = 230 − 7t, B = 60 + (t % 3)·60.</summary>
    public static (int R, int G, int B) ColorOf(int t) => (20 + 7 * t, 230 - 7 * t, 60 + (t % 3) * 60);

    /// <summary>Writes <paramref name="frames"/> flat-colour frames with OpenCV; false if the writer lacks the codec.</summary>
    public static bool TryWriteColorVideo(string path, string fourCc, int frames = Frames, int width = 64, int height = 48, double fps = 25)
    {
        using var writer = new VideoWriter(path, FourCC.FromString(fourCc), fps, new Size(width, height));
        if (!writer.IsOpened())
            return false;
        using var frame = new Mat(height, width, MatType.CV_8UC3);
        for (var t = 0; t < frames; t++)
        {
            var (r, g, b) = ColorOf(t);
            frame.SetTo(new Scalar(b, g, r));
            writer.Write(frame);
        }
        return true;
    }

    public static string ColorVideo(TempFolder folder, string fourCc, string extension, int frames = Frames, double fps = 25)
    {
        var path = folder.File($"colors_{fourCc}{extension}");
        if (!TryWriteColorVideo(path, fourCc, frames, fps: fps))
            throw new InvalidOperationException($"OpenCV cannot write {fourCc}{extension} here.");
        return path;
    }

    public static bool FfmpegAvailable => I3D.Net.Data.Video.FfmpegVideoReader.IsAvailable();

    /// <summary>Re-encodes <paramref name="source"/> with the ffmpeg CLI (e.g. libx264, libsvtav1).</summary>
    public static bool TryFfmpegEncode(string source, string destination, params string[] codecArgs)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "-nostdin", "-loglevel", "error", "-y", "-i", source }.Concat(codecArgs).Append(destination))
            info.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(info)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 && File.Exists(destination);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }

    /// <summary>Asserts that each frame of <paramref name="frames"/> [T,H,W,3] is the colour of <paramref name="indices"/>[t].</summary>
    public static void ShouldShowFrames(TorchSharp.torch.Tensor frames, IReadOnlyList<int> indices, double tolerance = 6)
    {
        frames.shape[0].Should().Be(indices.Count);
        frames.shape[3].Should().Be(3);
        using var mean = frames.to_type(TorchSharp.torch.ScalarType.Float32).mean([1, 2]);
        var values = mean.data<float>().ToArray();
        for (var t = 0; t < indices.Count; t++)
        {
            var (r, g, b) = ColorOf(indices[t]);
            var got = ((double)values[3 * t], (double)values[3 * t + 1], (double)values[3 * t + 2]);
            Math.Abs(got.Item1 - r).Should().BeLessThan(tolerance, $"frame {t} should be source frame {indices[t]} (R {r}), got RGB {got}");
            Math.Abs(got.Item2 - g).Should().BeLessThan(tolerance, $"frame {t} should be source frame {indices[t]} (G {g}), got RGB {got}");
            Math.Abs(got.Item3 - b).Should().BeLessThan(tolerance, $"frame {t} should be source frame {indices[t]} (B {b}), got RGB {got}");
        }
    }
}
