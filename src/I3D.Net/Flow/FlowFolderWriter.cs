using I3D.Net.Data.Video;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// Writes the flow folders of several short videos in one call to the flow method: every consecutive frame pair of
/// every video goes through <see cref="IOpticalFlow.Compute"/> as one batch. At small frame sizes the per-operation
/// overhead of tensor code dominates, so one call on many pairs is several times faster than
/// <see cref="FlowExtractor"/>'s one call per video batch. The folders have <see cref="FlowExtractor"/>'s layout (x/y
/// JPEGs named by <see cref="FlowExtractor.ImageName"/>, quantised by <see cref="FlowQuantization"/>, and
/// <see cref="FlowSettings.FileName"/>), and each appears complete or not at all (written beside, then renamed).
/// </summary>
/// <remarks>All the frames of all the videos are held in memory: use it for short clips, <see cref="FlowExtractor"/> for datasets.</remarks>
public static class FlowFolderWriter
{
    /// <summary>Writes the flow folder of each video (the videos must share a frame size).</summary>
    /// <param name="videos">Each video and the folder that receives its flow (replaced if it exists).</param>
    /// <param name="method">The flow method.</param>
    /// <param name="device">Where the flow is computed (CPU when null).</param>
    /// <param name="options">Bound and JPEG quality (defaults when null; the frame size and rate options do not apply).</param>
    /// <returns>The number of frame pairs written, over all videos.</returns>
    /// <exception cref="InvalidDataException">A video has fewer than 2 frames.</exception>
    /// <exception cref="ArgumentException">The videos' frame sizes differ.</exception>
    public static int Write(IReadOnlyList<(string Video, string Folder)> videos, IOpticalFlow method, Device? device = null, FlowExtractionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(videos);
        ArgumentNullException.ThrowIfNull(method);
        options ??= new FlowExtractionOptions();
        options.Validate();
        if (videos.Count == 0)
            return 0;
        using var scope = NewDisposeScope();
        var previous = new List<Tensor>();
        var next = new List<Tensor>();
        var settings = new List<FlowSettings>();
        foreach (var (video, _) in videos)
        {
            using var reader = VideoReader.Open(video, options.Reader);
            var count = reader.Info.FrameCount;
            if (count < 2)
                throw new InvalidDataException($"'{video}' has {count} frame(s); flow needs at least 2.");
            // Recorded with the video's rate, so the loader aligns flow with RGB.
            settings.Add(FlowSettings.Describe(method, options, sourceFps: reader.Info.Fps) with { FramePairs = count - 1 });
            var gray = FlowPreprocessing.Grayscale(reader.ReadFrames(Enumerable.Range(0, count).ToArray()));   // [T, H, W] in 0-255
            if (previous.Count > 0 && !gray.shape.Skip(1).SequenceEqual(previous[0].shape.Skip(1)))
                throw new ArgumentException(
                    $"'{video}' has frames of {gray.shape[2]}x{gray.shape[1]}, the first video {previous[0].shape[2]}x{previous[0].shape[1]}; one call needs one frame size.",
                    nameof(videos));
            previous.Add(gray[..^1]);
            next.Add(gray[1..]);
        }
        var target = device ?? CPU;
        var flow = method.Compute(cat(previous, 0).to(target), cat(next, 0).to(target));   // [ΣT-1, 2, H, W] pixels
        var quantised = FlowQuantization.Quantize(flow, options.Bound).cpu().contiguous();  // uint8, ±bound -> 0-255
        var offset = 0L;
        for (var v = 0; v < videos.Count; v++)
        {
            var pairs = previous[v].shape[0];
            WriteFolder(quantised.narrow(0, offset, pairs), videos[v].Folder, settings[v], options.JpegQuality);
            offset += pairs;
        }
        return (int)offset;
    }

    /// <summary>Writes the flow folder of one video.</summary>
    /// <param name="video">The video.</param>
    /// <param name="folder">The folder that receives its flow (replaced if it exists).</param>
    /// <param name="method">The flow method.</param>
    /// <param name="device">Where the flow is computed (CPU when null).</param>
    /// <returns>The number of frame pairs written.</returns>
    public static int Write(string video, string folder, IOpticalFlow method, Device? device = null) => Write([(video, folder)], method, device);

    private static void WriteFolder(Tensor quantised, string folder, FlowSettings settings, int jpegQuality)
    {
        folder = Path.GetFullPath(folder);
        var temp = folder + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        int pairs = (int)quantised.shape[0], h = (int)quantised.shape[2], w = (int)quantised.shape[3];
        var all = quantised.data<byte>().ToArray();
        var plane = new byte[h * w];
        for (var t = 0; t < pairs; t++)
        {
            for (var c = 0; c < 2; c++)
            {
                Array.Copy(all, (2L * t + c) * plane.Length, plane, 0, plane.Length);
                File.WriteAllBytes(Path.Combine(temp, FlowExtractor.ImageName(c == 0 ? 'x' : 'y', t + 1)), FlowPreprocessing.EncodeJpeg(plane, h, w, jpegQuality));
            }
        }
        settings.Save(temp);
        // Renamed into place last, so an interrupted run never leaves a half-written flow folder behind.
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(temp, folder);
    }
}
