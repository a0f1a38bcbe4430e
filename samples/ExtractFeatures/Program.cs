// ExtractFeatures: videos -> I3D's 1024-d Mixed_5c features (average-pooled), for one centre clip or for sliding
// windows, saved per video as safetensors (features [W, 1024] float32, window_starts [W] int64) and as .npy.
//   dotnet run --project samples/ExtractFeatures -- videos/ --weights rgb_imagenet/model.ckpt --out features/
//   dotnet run --project samples/ExtractFeatures -- a.mp4 --weights two-stream.safetensors --stream flow --mode sliding --stride 16
using System.CommandLine;
using System.Diagnostics;
using I3D.Net.Data.Sampling;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Samples;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

var inputs = new Argument<string[]>("inputs") { Description = "video files, or folders whose video files are all processed", Arity = ArgumentArity.OneOrMore };
var weights = new Option<string>("--weights", "-w") { Description = "weights: .safetensors, .pt/.pth, TensorFlow model.ckpt, or a checkpoint folder", Required = true };
var stream = new Option<string>("--stream") { Description = "which stream of a two-stream model: rgb or flow", DefaultValueFactory = _ => "rgb" };
stream.AcceptOnlyFromAmong("rgb", "flow");
var mode = new Option<string>("--mode") { Description = "clip: one centre clip per video; sliding: windows every --stride frames", DefaultValueFactory = _ => "clip" };
mode.AcceptOnlyFromAmong("clip", "sliding");
var frames = new Option<int>("--frames") { Description = "frames per clip/window (I3D: 64)", DefaultValueFactory = _ => 64 };
var stride = new Option<int>("--stride") { Description = "frames between window starts (sliding mode)", DefaultValueFactory = _ => 32 };
var shortSide = new Option<int>("--short-side") { Description = "resize the shorter side to this", DefaultValueFactory = _ => 256 };
var crop = new Option<int>("--crop") { Description = "centre crop", DefaultValueFactory = _ => 224 };
var fps = new Option<double?>("--fps") { Description = "resample to this frame rate first (I3D: 25; 0 keeps the source rate)", DefaultValueFactory = _ => 25 };
var batch = new Option<int>("--batch") { Description = "windows per forward pass", DefaultValueFactory = _ => 4 };
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("features") };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Extracts 1024-d I3D features (Mixed_5c, pooled) from videos to safetensors and .npy files.")
{
    inputs, weights, stream, mode, frames, stride, shortSide, crop, fps, batch, output, device, tvl1,
};
root.SetAction(async (parse, ct) =>
{
    var target = I3DRuntime.ResolveDevice(parse.GetValue(device));
    var videos = new List<string>();
    foreach (var input in parse.GetRequiredValue(inputs))
    {
        if (Directory.Exists(input))
            videos.AddRange(Directory.EnumerateFiles(input).Where(f => f.EndsWith(".mp4", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".avi", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".mkv", StringComparison.OrdinalIgnoreCase)
                || f.EndsWith(".webm", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".mov", StringComparison.OrdinalIgnoreCase)).Order());
        else if (File.Exists(input))
            videos.Add(input);
        else
        {
            Console.Error.WriteLine($"error: '{input}' is neither a file nor a folder.");
            return 2;
        }
    }
    if (videos.Count == 0)
    {
        Console.Error.WriteLine("error: no video files found.");
        return 2;
    }

    using var loaded = I3DModelFile.Load(parse.GetRequiredValue(weights));
    var useFlow = loaded.TwoStream is not null ? parse.GetValue(stream) == "flow" : !loaded.ReadsRgb;
    InceptionI3D model = loaded.TwoStream is { } two ? (useFlow ? two.Flow : two.Rgb) : loaded.SingleStream!;
    model.to(target).eval();
    Console.WriteLine($"model: {loaded.Description}; features of the {(useFlow ? "flow" : "RGB")} stream on {target.type}");

    var outDir = parse.GetRequiredValue(output);
    outDir.Create();
    var targetFps = parse.GetValue(fps) is > 0 and var rate ? rate : (double?)null;
    var (t, s, k) = (parse.GetValue(frames), Math.Max(1, parse.GetValue(stride)), Math.Max(1, parse.GetValue(batch)));
    var transform = new ClipTransform(new ClipTransformOptions { ShortSide = parse.GetValue(shortSide), CropSize = parse.GetValue(crop) });
    var method = new TvL1OpticalFlow(parse.GetValue(tvl1).ToOptions());
    foreach (var video in videos)
    {
        ct.ThrowIfCancellationRequested();
        var watch = Stopwatch.StartNew();
        string? temporary = null;
        try
        {
            IFrameReader reader;
            if (useFlow)
            {
                // The flow stream reads flow: computed here with the library's TV-L1 into a temporary flow folder.
                temporary = Directory.CreateTempSubdirectory("i3d-features-").FullName;
                FlowFolderWriter.Write(video, Path.Combine(temporary, "flow"), method, target);
                reader = VideoReader.OpenFlow(Path.Combine(temporary, "flow"));
            }
            else
            {
                reader = VideoReader.Open(video);
            }
            using (reader)
            {
                var n = FrameRateResampler.ResampledCount(reader.Info.FrameCount, reader.Info.Fps, targetFps);
                var windows = parse.GetValue(mode) == "clip" || n <= t
                    ? [ClipSampler.CenterWindow(n, t, 1)]
                    : Enumerable.Range(0, (n - t) / s + 1).Select(w => ClipSampler.Window(w * s, n, t, 1)).ToArray();
                var features = new List<Tensor>();
                for (int w0 = 0; w0 < windows.Length; w0 += k)
                {
                    using var scope = NewDisposeScope();
                    var chunk = windows.Skip(w0).Take(k).ToArray();
                    var source = FrameRateResampler.SourceIndices(chunk.SelectMany(x => x).ToArray(), reader.Info.FrameCount, reader.Info.Fps, targetFps);
                    var raw = reader.ReadFrames(source);                                      // [K·T, H, W, C] uint8
                    var values = useFlow ? FlowQuantization.Dequantize(raw) : raw.to_type(ScalarType.Float32);
                    var clips = values.reshape(chunk.Length, t, values.shape[1], values.shape[2], values.shape[3]).permute(0, 4, 1, 2, 3).contiguous();
                    var (rgb, flow) = useFlow ? transform.Apply(null, clips, 0, 0, 0) : transform.Apply(clips, null, 0, 0, 0);
                    using (no_grad())
                        features.Add(model.ExtractFeatures((useFlow ? flow : rgb)!.to(target)).cpu().MoveToOuterDisposeScope());
                }
                using var all = cat(features, 0);
                foreach (var f in features) f.Dispose();
                using var starts = tensor(windows.Select(x => (long)FrameRateResampler.SourceIndex(x[0], reader.Info.FrameCount, reader.Info.Fps, targetFps)).ToArray());
                var name = Path.Combine(outDir.FullName, Path.GetFileNameWithoutExtension(video));
                SafeTensorsFile.Save(name + ".safetensors", new Dictionary<string, Tensor> { ["features"] = all, ["window_starts"] = starts },
                    new Dictionary<string, string>
                    {
                        ["video"] = Path.GetFullPath(video),
                        ["stream"] = useFlow ? "flow" : "rgb",
                        ["frames_per_window"] = t.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        ["fps"] = targetFps?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "source",
                    });
                NpyFile.Save(name + ".npy", all);
                Console.WriteLine($"{Path.GetFileName(video)}: {all.shape[0]} window(s) x {all.shape[1]} features -> {name}.safetensors/.npy ({watch.Elapsed.TotalSeconds:F1} s)");
            }
        }
        finally
        {
            if (temporary is not null) Directory.Delete(temporary, recursive: true);
        }
    }
    await Task.CompletedTask;
    return 0;
});
return await root.Parse(args).InvokeAsync();
