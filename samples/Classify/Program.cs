// Classify: a video -> the top-k classes of an I3D model (RGB, flow or two-stream), with class names, through
// VideoClassifier (decoding, 25 fps resampling, resize/crop, optical flow in memory, test-time averaging).
//   dotnet run --project samples/Classify -- video.mp4 --weights artifacts/demo/two-stream-i3d.safetensors
//   dotnet run --project samples/Classify -- video.mp4 --weights kinetics400        (FromPretrained: downloads)
// Weights: safetensors, PyTorch .pt/.pth, DeepMind TensorFlow checkpoints or a trainer checkpoint folder
// (I3DModelFile reads the architecture from the file). The i3d tool's 'classify' does the same with more options.
using System.CommandLine;
using System.Globalization;
using I3D.Net.Inference;
using I3D.Net.Samples;

var video = new Argument<FileInfo>("video") { Description = "the video file (or a folder of frames) to classify" };
var weights = new Option<string>("--weights", "-w") { Description = "a weights file, a checkpoint folder, or 'kinetics400' (published two-stream)", Required = true };
var classes = new Option<FileInfo?>("--classes") { Description = "class names: class_map.json or one name per line (default: from the weights)" };
var top = new Option<int>("--top", "-k") { Description = "how many classes to print", DefaultValueFactory = _ => 5 };
var frames = new Option<int?>("--frames") { Description = "frames per clip; omit to read the whole video at once (as the paper evaluates I3D)" };
var crop = new Option<int>("--crop") { Description = "centre crop after resizing the short side to 256 (I3D: 224; 0 keeps the whole frame)", DefaultValueFactory = _ => 224 };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Classifies a video with an I3D model and prints the top-k classes.") { video, weights, classes, top, frames, crop, device, tvl1 };
root.SetAction((parse, ct) =>
{
    var cropSize = parse.GetValue(crop);
    var options = VideoClassifierOptions.Default with
    {
        Sampling = parse.GetValue(frames) is null ? TemporalSampling.WholeVideo : TemporalSampling.Clips,
        Clips = 1,
        ClipLength = parse.GetValue(frames) ?? 64,
        ShortSide = cropSize > 0 ? 256 : null,
        CropSize = cropSize > 0 ? cropSize : null,
        Device = parse.GetValue(device),
        // --tvl1 overrides the TV-L1 parameters the checkpoint recorded.
        Flow = parse.GetResult(tvl1) is { Implicit: false } ? VideoClassifier.DefaultFlow with { TvL1 = parse.GetValue(tvl1).ToOptions() } : null,
    };
    var names = parse.GetValue(classes) is { } file ? I3DModelFile.ReadClassNames(file.FullName) : null;
    var source = parse.GetRequiredValue(weights);
    using var classifier = source == "kinetics400"
        ? VideoClassifier.FromPretrained(options: options, cancellationToken: ct)
        : VideoClassifier.Load(source, options, names);

    var path = parse.GetRequiredValue(video).FullName;
    var prediction = classifier.Predict(path, parse.GetValue(top), ct);
    Console.WriteLine($"{Path.GetFileName(path)}: top-{prediction.Top.Count} of {classifier.ClassNames.Count} classes "
        + $"({prediction.Clips.Count} clip(s) of {prediction.Clips[0].Frames.Count} frames, on {classifier.Device.type})");
    foreach (var (score, rank) in prediction.Top.Select((s, i) => (s, i + 1)))
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rank}. {score.Name,-32} {score.Probability,8:P2}"));
    return Task.FromResult(0);
});
return await root.Parse(args).InvokeAsync();
