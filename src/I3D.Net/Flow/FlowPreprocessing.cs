using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// The frame-to-flow steps of <see cref="FlowExtractor"/>, exposed so flow computed in memory (e.g. for prediction)
/// matches stored flow exactly: RGB → 8-bit grayscale (OpenCV <c>RGB2GRAY</c>, BT.601 luma) → optional bilinear resize
/// → flow method → clip to ±bound → 8-bit quantisation → JPEG round trip when the settings say the flow was stored as JPEG.
/// </summary>
public static class FlowPreprocessing
{
    /// <summary>Grayscale frames for the flow method.</summary>
    /// <param name="rgbFrames">uint8 frames <c>[T, H, W, 3]</c> in RGB order (what <see cref="Data.Video.IFrameReader.ReadFrames"/> returns).</param>
    /// <param name="settings">Supplies the frame size (<see cref="FlowSettings.FrameWidth"/>/<see cref="FlowSettings.FrameHeight"/>); null keeps the size.</param>
    /// <returns>float32 <c>[T, H', W']</c> holding the 8-bit gray values 0–255, on the CPU.</returns>
    /// <exception cref="ArgumentException">The frames are not uint8 <c>[T, H, W, 3]</c>.</exception>
    public static Tensor Grayscale(Tensor rgbFrames, FlowSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(rgbFrames);
        if (rgbFrames.dim() != 4 || rgbFrames.shape[3] != 3 || rgbFrames.dtype != ScalarType.Byte)
            throw new ArgumentException($"Expected uint8 RGB frames [T, H, W, 3], found {rgbFrames.dtype} [{string.Join(", ", rgbFrames.shape)}].", nameof(rgbFrames));
        int t = (int)rgbFrames.shape[0], h = (int)rgbFrames.shape[1], w = (int)rgbFrames.shape[2];
        var (outW, outH) = settings?.FrameWidth is { } fw ? (fw, settings.FrameHeight!.Value) : (w, h);
        byte[] source;
        using (var scope = NewDisposeScope())
            source = rgbFrames.cpu().contiguous().data<byte>().ToArray();
        var gray = new byte[t * outW * outH];
        using var g = new Mat();
        using var resized = new Mat();
        for (var i = 0; i < t; i++)
        {
            using var rgb = Mat.FromPixelData(h, w, MatType.CV_8UC3, source.AsSpan(i * h * w * 3, h * w * 3).ToArray());
            Cv2.CvtColor(rgb, g, ColorConversionCodes.RGB2GRAY);
            var result = g;
            if (outW != w || outH != h)
            {
                Cv2.Resize(g, resized, new OpenCvSharp.Size(outW, outH), 0, 0, InterpolationFlags.Linear);
                result = resized;
            }
            System.Runtime.InteropServices.Marshal.Copy(result.Data, gray, i * outW * outH, outW * outH);
        }
        using var bytes = tensor(gray, new long[] { t, outH, outW });
        return bytes.to_type(ScalarType.Float32);
    }

    /// <summary>
    /// Flow between consecutive frames, preprocessed as <paramref name="settings"/> describe: the values the data
    /// pipeline reads from a flow folder made with the same settings (bit for bit when stored as JPEG, since the
    /// JPEG round trip is reproduced).
    /// </summary>
    /// <param name="method">The flow method (e.g. <see cref="FlowSettings.CreateMethod"/>).</param>
    /// <param name="rgbFrames">uint8 RGB frames <c>[T, H, W, 3]</c>, T ≥ 2, already at <see cref="FlowSettings.Fps"/>.</param>
    /// <param name="settings">Bound, quantisation, JPEG quality and frame size.</param>
    /// <param name="device">Where the flow method runs (null: CPU).</param>
    /// <param name="batchSize">Frame pairs per call of the method.</param>
    /// <returns>float32 flow in pixels <c>[T − 1, 2, H', W']</c>, channel 0 = x, within ±<see cref="FlowSettings.Bound"/>, on the CPU.</returns>
    public static Tensor Compute(IOpticalFlow method, Tensor rgbFrames, FlowSettings settings, Device? device = null, int batchSize = 8)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        settings.Validate();
        using var scope = NewDisposeScope();
        var gray = Grayscale(rgbFrames, settings);
        var pairs = (int)gray.shape[0] - 1;
        if (pairs < 1)
            throw new ArgumentException($"Flow needs at least 2 frames, found {gray.shape[0]}.", nameof(rgbFrames));
        var parts = new List<Tensor>();
        for (var start = 0; start < pairs; start += batchSize)
        {
            var n = Math.Min(batchSize, pairs - start);
            var chunk = gray.narrow(0, start, n + 1).to(device ?? CPU);
            var flow = method.Compute(chunk.narrow(0, 0, n), chunk.narrow(0, 1, n));
            if (!settings.Quantized)
            {
                parts.Add(flow.clamp(-settings.Bound, settings.Bound).cpu());
                continue;
            }
            var bytes = FlowQuantization.Quantize(flow, settings.Bound).cpu();
            if (settings.JpegQuality is { } quality)
                bytes = JpegRoundTrip(bytes, quality);
            parts.Add(FlowQuantization.Dequantize(bytes, settings.Bound));
        }
        return cat(parts, 0).MoveToOuterDisposeScope();
    }

    /// <summary>JPEG-encodes one 8-bit plane <c>[H, W]</c> (contiguous bytes) with OpenCV.</summary>
    internal static byte[] EncodeJpeg(byte[] plane, int height, int width, int quality)
    {
        using var image = Mat.FromPixelData(height, width, MatType.CV_8UC1, plane);
        if (!Cv2.ImEncode(".jpg", image, out var jpeg, [(int)ImwriteFlags.JpegQuality, quality]))
            throw new InvalidOperationException("OpenCV failed to encode a flow image as JPEG.");
        return jpeg;
    }

    /// <summary>Each plane of uint8 <c>[N, 2, H, W]</c> through a JPEG encode and decode, as stored flow is read back.</summary>
    private static Tensor JpegRoundTrip(Tensor bytes, int quality)
    {
        int n = (int)bytes.shape[0], h = (int)bytes.shape[2], w = (int)bytes.shape[3];
        var data = bytes.contiguous().data<byte>().ToArray();
        var plane = new byte[h * w];
        for (var p = 0; p < 2 * n; p++)
        {
            Array.Copy(data, p * h * w, plane, 0, h * w);
            using var decoded = Cv2.ImDecode(EncodeJpeg(plane, h, w, quality), ImreadModes.Grayscale);
            System.Runtime.InteropServices.Marshal.Copy(decoded.Data, data, p * h * w, h * w);
        }
        return tensor(data, new long[] { n, 2, h, w });
    }
}
