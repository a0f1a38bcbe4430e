using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.Tests.Flow;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Inference;

/// <summary>Tiny videos and the settings that keep classifier tests to seconds.</summary>
internal static class InferenceTestData
{
    /// <summary>
    /// Frames resized to short side 40 and cropped to 32×32 (the smallest input the I3D head accepts), on the test
    /// device (<see cref="TestDevice"/>).
    /// </summary>
    public static Net.Inference.VideoClassifierOptions Small => new()
    {
        ShortSide = 40,
        CropSize = 32,
        FramesPerSecond = 25,
        Device = TestDevice.IsCuda ? I3D.Net.Runtime.ComputeDevice.Cuda : I3D.Net.Runtime.ComputeDevice.Cpu,
    };

    /// <summary>
    /// A 3-class RGB I3D whose logits depend on its input: its BatchNorm statistics are set from one batch of noise
    /// (freshly initialised statistics shrink the features so much that every input gives nearly the same logits).
    /// </summary>
    public static I3D.Net.Models.InceptionI3D RgbModel(int seed = 3, int inChannels = 3)
    {
        manual_seed(seed);
        var model = new I3D.Net.Models.InceptionI3D(numClasses: 3, inChannels, new I3D.Net.Models.InceptionI3DOptions { BatchNormMomentum = 1 });
        Calibrate(model, inChannels);
        return model;
    }

    /// <summary>A 3-class two-stream I3D calibrated like <see cref="RgbModel"/>.</summary>
    public static I3D.Net.Models.TwoStreamI3D TwoStreamModel(int seed = 5) => new(RgbModel(seed, 3), RgbModel(seed + 1, 2));

    private static void Calibrate(TorchSharp.torch.nn.Module<Tensor, Tensor> model, int channels)
    {
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            model.train();
            model.forward(randn([2, channels, 8, 32, 32]) * 0.5);
        }
        model.eval();
    }

    /// <summary>TV-L1 cut down to one level and a few iterations: the same code path, a fraction of the time.</summary>
    public static TvL1OpticalFlowOptions FastTvL1 { get; } = new() { ScalesNumber = 1, Warps = 1, InnerIterations = 5, OuterIterations = 1 };

    /// <summary>
    /// Writes an MJPEG AVI of a smooth texture moving <paramref name="dx"/> px right per frame (brightness varying
    /// over time so frames differ in colour too).
    /// </summary>
    public static string WriteMovingTexture(string path, int frames, double fps = 25, int dx = 2, int width = 64, int height = 48)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var writer = new VideoWriter(path, FourCC.MJPG, fps, new OpenCvSharp.Size(width, height), isColor: true);
        if (!writer.IsOpened())
            throw new InvalidOperationException("OpenCV's built-in MJPEG/AVI writer is not available.");
        for (var f = 0; f < frames; f++)
        {
            using var scope = NewDisposeScope();
            var texture = FlowTestData.TranslatedTexture(height, width, dx * f, 0, seed: 11, waves: 16).Next;
            var bytes = texture.round().clamp(0, 255).to(ScalarType.Byte).data<byte>().ToArray();
            using var gray = Mat.FromPixelData(height, width, MatType.CV_8UC1, bytes);
            using var color = new Mat();
            Cv2.CvtColor(gray, color, ColorConversionCodes.GRAY2BGR);
            // Tint by frame so RGB channels differ: B up, R down over time.
            Cv2.Add(color, new Scalar(3 * f, 0, 0), color);
            writer.Write(color);
        }
        return path;
    }

    /// <summary>
    /// The RGB input the classifier should build for source frames <paramref name="frames"/> under
    /// <see cref="Small"/>: decoded with the data pipeline's centre crop, as <c>[1, 3, T, 32, 32]</c> in [-1, 1].
    /// </summary>
    public static Tensor RgbClip(string video, IReadOnlyList<int> frames, double cropFraction = 0.5)
    {
        using var scope = NewDisposeScope();
        using var reader = VideoReader.Open(video);
        var (h, w) = ClipTransforms.ShortSideSize(reader.Info.Height, reader.Info.Width, 40);
        var geometry = new FrameGeometry((int)w, (int)h, (int)ClipTransforms.CropOffset(w, 32, cropFraction), (int)ClipTransforms.CropOffset(h, 32, 0.5), 32, 32);
        return reader.ReadFramesChannelsFirst(frames, geometry, 1 / 127.5, -1).unsqueeze(0).MoveToOuterDisposeScope();
    }
}
