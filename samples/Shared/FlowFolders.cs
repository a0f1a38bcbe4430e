using I3D.Net.Data.Video;
using I3D.Net.Flow;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Samples;

/// <summary>
/// Computes optical flow for every consecutive frame pair of a video with an <see cref="IOpticalFlow"/> and stores it
/// the way the data pipeline reads it: a folder of quantised (±20 px → 0–255) <c>x_00001.jpg</c>/<c>y_00001.jpg</c>
/// and its <c>flow.json</c>.
/// </summary>
internal static class FlowFolders
{
    /// <summary>
    /// Writes the flow folder of each video. The frame pairs of all the videos go through the method as one batch (the
    /// videos must share a frame size): at small sizes the per-operation overhead of tensor code dominates, so one
    /// call on many pairs is several times faster than one call per video.
    /// </summary>
    public static int WriteFlowFolders(IReadOnlyList<(string Video, string Folder)> videos, IOpticalFlow method, Device device)
    {
        using var scope = NewDisposeScope();
        var previous = new List<Tensor>();
        var next = new List<Tensor>();
        var settings = new List<FlowSettings>();
        foreach (var (video, _) in videos)
        {
            using var reader = VideoReader.Open(video);
            var count = reader.Info.FrameCount;
            if (count < 2)
                throw new InvalidDataException($"'{video}' has {count} frame(s); flow needs at least 2.");
            // The library's preprocessing (8-bit BT.601 gray), recorded with the video's rate so the loader aligns flow with RGB.
            settings.Add(FlowSettings.Describe(method, sourceFps: reader.Info.Fps) with { FramePairs = count - 1 });
            var gray = FlowPreprocessing.Grayscale(reader.ReadFrames(Enumerable.Range(0, count).ToArray()));   // [T, H, W] in 0-255
            if (previous.Count > 0 && !gray.shape.Skip(1).SequenceEqual(previous[0].shape.Skip(1)))
                throw new ArgumentException($"'{video}' has frames of {gray.shape[2]}x{gray.shape[1]}, the batch's first video {previous[0].shape[2]}x{previous[0].shape[1]}.");
            previous.Add(gray[..^1]);
            next.Add(gray[1..]);
        }
        var flow = method.Compute(cat(previous, 0).to(device), cat(next, 0).to(device));   // [ΣT-1, 2, H, W] pixels
        var quantised = FlowQuantization.Quantize(flow).cpu();                             // uint8, ±20 px -> 0-255
        var offset = 0L;
        for (int v = 0; v < videos.Count; v++)
        {
            var pairs = previous[v].shape[0];
            WriteFolder(quantised.narrow(0, offset, pairs), videos[v].Folder, settings[v]);
            offset += pairs;
        }
        return (int)offset;
    }

    /// <summary>Writes the flow folder of one video.</summary>
    public static int WriteFlowFolder(string video, string folder, IOpticalFlow method, Device device) =>
        WriteFlowFolders([(video, folder)], method, device);

    private static void WriteFolder(Tensor quantised, string folder, FlowSettings settings)
    {
        var temp = folder + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        long h = quantised.shape[2], w = quantised.shape[3];
        var bytes = new byte[h * w];
        for (int t = 0; t < quantised.shape[0]; t++)
        {
            for (int c = 0; c < 2; c++)
            {
                using var plane = quantised[t, c].contiguous();
                plane.data<byte>().CopyTo(bytes);
                using var mat = Mat.FromPixelData((int)h, (int)w, MatType.CV_8UC1, bytes);
                var name = Path.Combine(temp, $"{(c == 0 ? "x" : "y")}_{t + 1:00000}.jpg");
                if (!Cv2.ImWrite(name, mat, new ImageEncodingParam(ImwriteFlags.JpegQuality, 95)))
                    throw new IOException($"OpenCV could not write '{name}'.");
            }
        }
        settings.Save(temp);
        // Rename into place last, so an interrupted run never leaves a half-written flow folder behind.
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(temp, folder);
    }
}
