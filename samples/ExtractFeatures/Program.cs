// ExtractFeatures: a folder of videos -> one I3D feature file per video (FeatureExtractor), mirroring the folder's tree:
// 1024-d Mixed_5c features (average-pooled) of the centre clip or of sliding windows, as .npy or .safetensors.
//   dotnet run --project samples/ExtractFeatures -- videos/ --weights rgb_imagenet/model.ckpt --out features/
//   dotnet run --project samples/ExtractFeatures -- videos/ --weights two-stream.safetensors --stream flow --mode sliding --stride 16 --shard 2/4
using System.CommandLine;
using I3D.Net.Data;
using I3D.Net.Data.Transforms;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Samples;

var videos = new Argument<DirectoryInfo>("videos") { Description = "folder of videos (searched recursively)" };
var weights = new Option<string>("--weights", "-w") { Description = "weights: .safetensors, .pt/.pth, TensorFlow model.ckpt, or a checkpoint folder", Required = true };
var stream = new Option<string>("--stream") { Description = "which stream of a two-stream model: rgb or flow", DefaultValueFactory = _ => "rgb" };
stream.AcceptOnlyFromAmong("rgb", "flow");
var mode = new Option<string>("--mode") { Description = "clip: one centre clip per video; sliding: windows every --stride frames", DefaultValueFactory = _ => "clip" };
mode.AcceptOnlyFromAmong("clip", "sliding");
var frames = new Option<int>("--frames") { Description = "frames per clip/window (I3D: 64)", DefaultValueFactory = _ => 64 };
var stride = new Option<int>("--stride") { Description = "frames between window starts (sliding mode)", DefaultValueFactory = _ => 32 };
var shortSide = new Option<int>("--short-side") { Description = "resize the shorter side to this", DefaultValueFactory = _ => 256 };
var crop = new Option<int>("--crop") { Description = "centre crop", DefaultValueFactory = _ => 224 };
var fps = new Option<double>("--fps") { Description = "resample to this frame rate first (I3D: 25; 0 keeps the source rate)", DefaultValueFactory = _ => 25 };
var format = new Option<FeatureFileFormat>("--format") { Description = "Npy or SafeTensors (features plus window starts and settings)", DefaultValueFactory = _ => FeatureFileFormat.Npy };
var shard = new Option<string>("--shard") { Description = "K/N: extract only this shard of the dataset (docs/scale.md)", DefaultValueFactory = _ => "1/1" };
shard.Validators.Add(r => { if (!DatasetShard.TryParse(r.GetValueOrDefault<string>(), out _)) r.AddError("--shard is K/N with 1 <= K <= N, e.g. 2/4."); });
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "output folder", DefaultValueFactory = _ => new DirectoryInfo("features") };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Extracts 1024-d I3D features (Mixed_5c, pooled) from a folder of videos, one .npy or .safetensors file per video.")
{
    videos, weights, stream, mode, frames, stride, shortSide, crop, fps, format, shard, output, device, tvl1,
};
root.SetAction(async (parse, ct) =>
{
    using var loaded = I3DModelFile.Load(parse.GetRequiredValue(weights));
    var useFlow = loaded.TwoStream is not null ? parse.GetValue(stream) == "flow" : !loaded.ReadsRgb;
    var model = loaded.TwoStream is { } two ? (useFlow ? two.Flow : two.Rgb) : loaded.SingleStream!;
    var options = new FeatureExtractionOptions
    {
        Windowing = parse.GetValue(mode) == "sliding" ? FeatureWindowing.PerWindow : FeatureWindowing.PerVideo,
        Frames = parse.GetValue(frames),
        Stride = parse.GetValue(stride),
        FramesPerSecond = parse.GetValue(fps) is > 0 and var rate ? rate : null,
        Transform = new ClipTransformOptions { ShortSide = parse.GetValue(shortSide), CropSize = parse.GetValue(crop) },
        Format = parse.GetValue(format),
        Shard = DatasetShard.Parse(parse.GetValue(shard)!),
        Device = parse.GetValue(device),
    };
    // A flow model reads flow computed here with TV-L1 (the library's, at each video's own frame rate).
    var extractor = new FeatureExtractor(model, options, new TvL1OpticalFlow(parse.GetValue(tvl1).ToOptions()));
    Console.WriteLine($"model: {loaded.Description}; features of the {(useFlow ? "flow" : "RGB")} stream, shard {options.Shard}");

    var summary = await extractor.ExtractDatasetAsync(parse.GetRequiredValue(videos).FullName, parse.GetRequiredValue(output).FullName,
        new ConsoleProgress<FeatureExtractionProgress>(p => p.Timing,
            p => $"{p.VideoPath}: {p.Status}" + (p.Error is { } e ? $": {e}" : $", {p.Windows} window(s) -> {p.OutputPath}"), TimeSpan.Zero), ct);
    Console.WriteLine($"{summary.Extracted.Count} extracted, {summary.Skipped.Count} already done, {summary.Failed.Count} failed, {summary.InOtherShards} in other shards");
    return summary.Failed.Count == 0 ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
