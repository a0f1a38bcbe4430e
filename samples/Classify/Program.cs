// Classify: a video -> the top-k classes of an I3D model (RGB, flow or two-stream), with class names.
//   dotnet run --project samples/Classify -- video.mp4 --weights artifacts/demo/two-stream-i3d.safetensors
//   dotnet run --project samples/Classify -- video.mp4 --weights rgb_imagenet/model.ckpt      (Kinetics-400 names)
// Weights: safetensors, PyTorch .pt/.pth, DeepMind TensorFlow checkpoints or an I3D.Net trainer checkpoint folder.
// The flow stream reads a flow folder (--flow) or flow computed here with the library's TV-L1.
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Flow;
using I3D.Net.Runtime;
using I3D.Net.Samples;
using TorchSharp;

var video = new Argument<FileInfo>("video") { Description = "the video file (or a folder of frames) to classify" };
var weights = new Option<string>("--weights", "-w") { Description = "weights: .safetensors, .pt/.pth, TensorFlow model.ckpt, or a checkpoint folder", Required = true };
var classes = new Option<FileInfo?>("--classes") { Description = "class names: class_map.json or one name per line (default: from the weights, beside them, or Kinetics for 400/600 logits)" };
var flowFolder = new Option<DirectoryInfo?>("--flow") { Description = "a flow folder (x_/y_ JPEGs) of the video; computed with TV-L1 when the model needs flow and none is given" };
var top = new Option<int>("--top", "-k") { Description = "how many classes to print", DefaultValueFactory = _ => 5 };
var frames = new Option<int>("--frames") { Description = "frames per clip (I3D: 64; shorter videos loop)", DefaultValueFactory = _ => 64 };
var clips = new Option<int>("--clips") { Description = "evenly spaced clips whose softmax is averaged", DefaultValueFactory = _ => 1 };
var shortSide = new Option<int?>("--short-side") { Description = "resize the shorter side to this (I3D: 256; omit with --crop 0 to keep the frames)", DefaultValueFactory = _ => 256 };
var crop = new Option<int>("--crop") { Description = "centre crop (I3D: 224; 0 keeps the whole frame)", DefaultValueFactory = _ => 224 };
var fps = new Option<double?>("--fps") { Description = "resample to this frame rate first (I3D: 25; 0 keeps the source rate)", DefaultValueFactory = _ => 25 };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Classifies a video with an I3D model and prints the top-k classes.")
{
    video, weights, classes, flowFolder, top, frames, clips, shortSide, crop, fps, device, tvl1,
};
root.SetAction(async (parse, ct) =>
{
    var target = I3DRuntime.ResolveDevice(parse.GetValue(device));
    var path = parse.GetRequiredValue(video);
    if (!path.Exists && !Directory.Exists(path.FullName))
    {
        Console.Error.WriteLine($"error: '{path.FullName}' does not exist.");
        return 2;
    }
    using var model = ModelFiles.Load(parse.GetRequiredValue(weights), parse.GetValue(classes)?.FullName);
    Console.WriteLine($"model: {model.Description}; libtorch {torch.__version__} on {target.type}");
    model.Module.to(target);

    var k = Math.Max(1, parse.GetValue(clips));
    var cropSize = parse.GetValue(crop);
    var options = ClipLoaderOptions.Evaluation with
    {
        ClipLength = parse.GetValue(frames),
        TargetFps = parse.GetValue(fps) is > 0 and var rate ? rate : null,
        Sampling = k > 1 ? ClipSamplingMode.EvenlySpaced : ClipSamplingMode.Center,
        ClipsPerSample = k,
        Modality = model.TwoStream is not null ? ClipModality.RgbAndFlow : model.ReadsRgb ? ClipModality.Rgb : ClipModality.Flow,
        Transform = new ClipTransformOptions { ShortSide = cropSize > 0 ? parse.GetValue(shortSide) : null, CropSize = cropSize > 0 ? cropSize : null },
    };

    string? flowPath = parse.GetValue(flowFolder)?.FullName;
    string? temporary = null;
    if (model.ReadsFlow && flowPath is null)
    {
        temporary = Directory.CreateTempSubdirectory("i3d-classify-").FullName;
        flowPath = Path.Combine(temporary, "flow");
        var watch = Stopwatch.StartNew();
        var method = new TvL1OpticalFlow(parse.GetValue(tvl1).ToOptions());
        var pairs = FlowFolders.WriteFlowFolder(path.FullName, flowPath, method, target);
        Console.WriteLine($"flow: TV-L1 ({parse.GetValue(tvl1)}) on {pairs} frame pairs in {watch.Elapsed.TotalSeconds:F1} s");
    }
    try
    {
        using var sample = new VideoClipReader(options).Read(new LabeledVideo(path.FullName, -1) { FlowPath = flowPath }, 0, 0);
        float[] probabilities;
        using (torch.no_grad())
        using (var scope = torch.NewDisposeScope())
        {
            var rgb = sample.Rgb?.to(target);
            var flow = sample.Flow?.to(target);
            var logits = model.TwoStream is { } two ? two.forward(rgb!, flow!) : model.SingleStream!.forward(rgb ?? flow!);
            // Test-time averaging over the K clips, as the paper's evaluation.
            probabilities = logits.softmax(1).mean([0]).cpu().data<float>().ToArray();
        }
        var n = Math.Min(parse.GetValue(top), probabilities.Length);
        Console.WriteLine($"{path.Name}: top-{n} of {probabilities.Length} classes ({k} clip(s) of {options.ClipLength} frames)");
        foreach (var (p, i, rank) in probabilities.Select((p, i) => (p, i)).OrderByDescending(t => t.p).Take(n).Select((t, r) => (t.p, t.i, r + 1)))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {rank}. {model.ClassNames[i],-32} {p,8:P2}"));
        return 0;
    }
    finally
    {
        if (temporary is not null) Directory.Delete(temporary, recursive: true);
    }
});
return await root.Parse(args).InvokeAsync();
