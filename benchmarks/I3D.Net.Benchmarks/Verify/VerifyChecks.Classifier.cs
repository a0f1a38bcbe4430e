using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Weights;
using OpenCvSharp;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

internal static partial class VerifyChecks
{
    /// <summary>
    /// <see cref="VideoClassifier"/> on the device, from weights generated here (a seeded 3-class RGB InceptionI3D saved
    /// with <see cref="Checkpoints.Save(nn.Module, string, IReadOnlyList{string}, I3D.Net.Flow.FlowSettings?, IReadOnlyDictionary{string, string}?)"/>;
    /// nothing is downloaded). Line 1: <see cref="VideoClassifier.Load"/> puts the model on the device and its logits
    /// match the CPU classifier's. Line 2: <see cref="VideoClassifier.Predict"/> on a generated frame folder, device
    /// against CPU; it needs OpenCV's native library, which the GPU publish leaves out (64 MiB limit), so there it is n/a.
    /// </summary>
    public static IEnumerable<VerifyRow> Classifier(VerifyOptions o)
    {
        var dir = Directory.CreateTempSubdirectory("i3d-verify-classifier-").FullName;
        try
        {
            SetTf32(false);
            var weights = Path.Combine(dir, "generated-rgb.safetensors");
            using (var scope = NewDisposeScope())
            {
                using var seed = random.manual_seed(21);
                using var model = new InceptionI3D(3, 3);
                I3D.Net.Weights.Checkpoints.Save(model, weights, ["jump", "run", "wave"]);
            }
            var options = new VideoClassifierOptions { ShortSide = 72, CropSize = 64, ClipLength = 16, MaxFrames = 16, FramesPerSecond = null };
            using var onDevice = VideoClassifier.Load(weights, options with { Device = BenchDevice.IsCuda ? ComputeDevice.Cuda : ComputeDevice.Cpu });
            using var onCpu = VideoClassifier.Load(weights, options with { Device = ComputeDevice.Cpu });

            double modelDelta;
            string placed;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var clip = randn(new long[] { 1, 3, 16, 64, 64 }, generator: new Generator(4));
                var model = (InceptionI3D)onDevice.Model;
                placed = model.parameters().First().device_type.ToString().ToLowerInvariant();
                var expected = ((InceptionI3D)onCpu.Model).call(clip);
                modelDelta = (model.call(clip.to(onDevice.Device)).cpu() - expected).abs().max().item<float>() / expected.abs().max().item<float>();
            }
            var wantPlaced = BenchDevice.IsCuda ? "cuda" : "cpu";
            var first = VerifyRow.AtMost($"VideoClassifier.Load(generated weights) on {onDevice.Device.type}: model placed, logits vs CPU classifier, max|Δ|/max|logit|",
                modelDelta, LogitsToleranceFp32);
            yield return placed == wantPlaced ? first with { Measured = $"{first.Measured} (model on {placed})" }
                : first with { Measured = $"{first.Measured} (model on {placed}, expected {wantPlaced})", Outcome = VerifyOutcome.Fail };

            var frames = Path.Combine(dir, "frames");
            string? noOpenCv = null;
            try
            {
                WriteFrameFolder(frames, 20, 96, 80);
            }
            catch (Exception ex) when (ex is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
            {
                noOpenCv = ex.GetBaseException().Message;
            }
            if (noOpenCv is not null)
            {
                yield return new VerifyRow($"VideoClassifier.Predict(frame folder) on {onDevice.Device.type} vs CPU",
                    "n/a: OpenCV's native library is not loadable here (the GPU publish leaves it out: 34 MB xz plus GTK)", "max|Δ|/max|logit| ≤ " + VerifyRow.Format(LogitsToleranceFp32),
                    VerifyOutcome.NotApplicable);
                yield break;
            }
            var device = onDevice.Predict(frames, topK: 3);
            var cpu = onCpu.Predict(frames, topK: 3);
            var delta = device.Logits.Zip(cpu.Logits, (a, b) => Math.Abs(a - b)).Max() / cpu.Logits.Max(Math.Abs);
            var row = VerifyRow.AtMost($"VideoClassifier.Predict(generated 20-frame folder) on {onDevice.Device.type} vs CPU: max|Δ|/max|logit| of averaged logits",
                delta, LogitsToleranceFp32);
            yield return device.Best.Index == cpu.Best.Index
                ? row with { Measured = $"{row.Measured} (top-1 '{device.Best.Name}' on both)" }
                : row with { Measured = $"{row.Measured} (top-1 differs: {device.Best.Name} vs {cpu.Best.Name})", Outcome = VerifyOutcome.Fail };
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Writes <paramref name="count"/> PNG frames of a moving colour gradient (needs OpenCV's native library).</summary>
    private static void WriteFrameFolder(string folder, int count, int width, int height)
    {
        Directory.CreateDirectory(folder);
        for (var f = 0; f < count; f++)
        {
            using var image = new Mat(height, width, MatType.CV_8UC3);
            for (var y = 0; y < height; y++)
                for (var x = 0; x < width; x++)
                    image.Set(y, x, new Vec3b((byte)((x * 3 + f * 5) % 256), (byte)((y * 2 + f * 3) % 256), (byte)((x + y + f * 7) % 256)));
            Cv2.ImWrite(Path.Combine(folder, $"{f + 1:D5}.png"), image);
        }
    }
}
