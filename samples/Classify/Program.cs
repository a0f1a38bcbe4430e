// Classify: a video -> the top-k classes of an I3D model (RGB, flow or two-stream), with class names, through
// VideoClassifier (decoding, 25 fps resampling, resize/crop, optical flow in memory, test-time averaging).
//   dotnet run --project samples/Classify -- video.mp4 --weights artifacts/demo/two-stream-i3d.safetensors
//   dotnet run --project samples/Classify -- video.mp4 --weights rgb_imagenet/model.ckpt      (Kinetics-400 names)
//   dotnet run --project samples/Classify -- video.mp4 --weights kinetics400                   (FromPretrained: downloads)
// Weights: safetensors, PyTorch .pt/.pth, DeepMind TensorFlow checkpoints or an I3D.Net trainer checkpoint folder.
using System.CommandLine;
using System.Globalization;
using I3D.Net.Data.Annotations;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Samples;
using TorchSharp;

var video = new Argument<FileInfo>("video") { Description = "the video file (or a folder of frames) to classify" };
var weights = new Option<string>("--weights", "-w") { Description = "weights: .safetensors, .pt/.pth, TensorFlow model.ckpt, a checkpoint folder, or 'kinetics400' (published two-stream)", Required = true };
var classes = new Option<FileInfo?>("--classes") { Description = "class names: class_map.json or one name per line (default: from the weights, beside them, or Kinetics for 400/600 logits)" };
var top = new Option<int>("--top", "-k") { Description = "how many classes to print", DefaultValueFactory = _ => 5 };
var frames = new Option<int?>("--frames") { Description = "frames per clip; omit to read the whole video at once (as the paper evaluates I3D)" };
var clips = new Option<int>("--clips") { Description = "evenly spaced clips of --frames frames whose logits are averaged", DefaultValueFactory = _ => 1 };
var crops = new Option<int>("--crops") { Description = "1 (centre) or 3 crops per clip", DefaultValueFactory = _ => 1 };
var shortSide = new Option<int?>("--short-side") { Description = "resize the shorter side to this (I3D: 256; ignored with --crop 0)", DefaultValueFactory = _ => 256 };
var crop = new Option<int>("--crop") { Description = "centre crop (I3D: 224; 0 keeps the whole frame)", DefaultValueFactory = _ => 224 };
var fps = new Option<double?>("--fps") { Description = "resample to this frame rate first (I3D: 25; 0 keeps the source rate)", DefaultValueFactory = _ => 25 };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Classifies a video with an I3D model and prints the top-k classes.")
{
    video, weights, classes, top, frames, clips, crops, shortSide, crop, fps, device, tvl1,
};
root.SetAction((parse, ct) =>
{
    var path = parse.GetRequiredValue(video);
    if (!path.Exists && !Directory.Exists(path.FullName))
    {
        Console.Error.WriteLine($"error: '{path.FullName}' does not exist.");
        return Task.FromResult(2);
    }
    var cropSize = parse.GetValue(crop);
    var clipLength = parse.GetValue(frames);
    var options = VideoClassifierOptions.Default with
    {
        Sampling = clipLength is null ? TemporalSampling.WholeVideo : TemporalSampling.Clips,
        ClipLength = clipLength ?? 64,
        Clips = Math.Max(1, parse.GetValue(clips)),
        Crops = parse.GetValue(crops),
        ShortSide = cropSize > 0 ? parse.GetValue(shortSide) : null,
        CropSize = cropSize > 0 ? cropSize : null,
        FramesPerSecond = parse.GetValue(fps) is > 0 and var rate ? rate : null,
        Device = parse.GetValue(device),
        // --tvl1 overrides the TV-L1 parameters the checkpoint recorded (the demo's weights record none).
        Flow = parse.GetResult(tvl1) is { Implicit: false } ? VideoClassifier.DefaultFlow with { TvL1 = parse.GetValue(tvl1).ToOptions() } : null,
    };
    var names = parse.GetValue(classes) is { } file ? ModelFiles.ReadClassNames(file.FullName) : null;
    var source = parse.GetRequiredValue(weights);
    using var classifier = source.Equals("kinetics400", StringComparison.OrdinalIgnoreCase)
        ? VideoClassifier.FromPretrained(options: options, cancellationToken: ct)
        : VideoClassifier.Load(source, options, names);
    var kind = classifier.ReadsRgb && classifier.ReadsFlow ? "two-stream" : classifier.ReadsRgb ? "RGB" : "flow";
    Console.WriteLine($"model: {kind} I3D, {classifier.ClassNames.Count} classes, from '{source}'; libtorch {torch.__version__} on {classifier.Device.type}");
    if (classifier.Flow is { } flow)
        Console.WriteLine($"flow: {flow}");

    var prediction = classifier.Predict(path.FullName, parse.GetValue(top), ct);
    Console.WriteLine($"{path.Name}: top-{prediction.Top.Count} of {classifier.ClassNames.Count} classes "
        + $"({prediction.Clips.Count} clip(s) of {prediction.Clips[0].Frames.Count} frames × {prediction.Crops} crop(s))");
    foreach (var (score, rank) in prediction.Top.Select((s, i) => (s, i + 1)))
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rank}. {score.Name,-32} {score.Probability,8:P2}"));
    return Task.FromResult(0);
});
return await root.Parse(args).InvokeAsync();
