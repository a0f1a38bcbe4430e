// FineTune: fine-tunes I3D (RGB, flow or two-stream) on your videos and writes checkpoints you can resume from.
//   dotnet run --project samples/FineTune -- --data ucf101/videos --format ucf101 --splits ucf101/splits --init imagenet
//   dotnet run --project samples/FineTune -- --data ds --format list --train ds/train.txt --val ds/val.txt --modality two-stream --flow-root ds/flow
//   dotnet run --project samples/ComputeFlow -- ds --out flow && dotnet run --project samples/FineTune -- --data ds --format folders --modality two-stream --flow-root flow
//   dotnet run --project samples/FineTune -- … --init kinetics --weights rgb_imagenet/model.ckpt --precision BFloat16Mixed --device cuda
//   (run the same command again with --resume to continue from the latest checkpoint in --out)
using System.CommandLine;
using System.Globalization;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Samples;
using I3D.Net.Training;
using I3D.Net.Weights;
using TorchSharp;

var data = new Option<DirectoryInfo>("--data", "-d") { Description = "the dataset's video root", Required = true };
var format = new Option<AnnotationFormat>("--format", "-f") { Description = "annotations: list (path label), rawframes (path frames label), folders (<data>/train|val/<class>/…), ucf101, hmdb51, kinetics (CSV)", Required = true };
var train = new Option<FileInfo?>("--train") { Description = "training list or CSV (list, rawframes, kinetics)" };
var val = new Option<FileInfo?>("--val") { Description = "validation list or CSV (list, rawframes, kinetics)" };
var splits = new Option<DirectoryInfo?>("--splits") { Description = "the official split files' folder (ucf101, hmdb51)" };
var split = new Option<int>("--split") { Description = "which official split (1-3)", DefaultValueFactory = _ => 1 };
var modality = new Option<string>("--modality", "-m") { Description = "rgb, flow or two-stream", DefaultValueFactory = _ => "rgb" };
modality.AcceptOnlyFromAmong("rgb", "flow", "two-stream");
var flowRoot = new Option<DirectoryInfo?>("--flow-root") { Description = "the output of samples/ComputeFlow on the dataset: flow folders mirroring the videos (<flow-root>/<relative path without extension>/), found by WithFlowRoot" };
var init = new Option<string>("--init") { Description = "imagenet (GoogLeNet inflated; cache or download), kinetics (a Kinetics checkpoint, --weights) or scratch", DefaultValueFactory = _ => "imagenet" };
init.AcceptOnlyFromAmong("imagenet", "kinetics", "scratch");
var weights = new Option<string?>("--weights", "-w") { Description = "with --init kinetics: the checkpoint (.safetensors, .pt/.pth, TensorFlow model.ckpt)" };
var epochs = new Option<int>("--epochs", "-e") { Description = "epochs", DefaultValueFactory = _ => 10 };
var batch = new Option<int>("--batch", "-b") { Description = "videos per batch", DefaultValueFactory = _ => 8 };
var frames = new Option<int>("--frames") { Description = "frames per training clip (I3D: 64)", DefaultValueFactory = _ => 64 };
var crop = new Option<int>("--crop") { Description = "crop size (I3D: 224 of 256)", DefaultValueFactory = _ => 224 };
var lr = new Option<double>("--lr") { Description = "learning rate (SGD, momentum 0.9)", DefaultValueFactory = _ => 0.01 };
var precision = new Option<TrainingPrecision>("--precision") { Description = "Float32, or BFloat16Mixed (bf16 compute with fp32 master weights and BatchNorm; for CUDA)", DefaultValueFactory = _ => TrainingPrecision.Float32 };
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "checkpoint folder", DefaultValueFactory = _ => new DirectoryInfo("checkpoints") };
var resume = new Option<bool>("--resume") { Description = "continue from the latest valid checkpoint in --out (otherwise --out must hold none)" };
var workers = new Option<int>("--workers") { Description = "decoding threads", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount - 1) };
var device = SampleOptions.Device();

var root = new RootCommand("Fine-tunes I3D on a video dataset.")
{
    data, format, train, val, splits, split, modality, flowRoot, init, weights, epochs, batch, frames, crop, lr, precision, output, resume, workers, device,
};
root.SetAction(async (parse, ct) =>
{
    try
    {
        return await RunAsync(parse, ct);
    }
    catch (Exception e) when (e is ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
});
return await root.Parse(args).InvokeAsync();

async Task<int> RunAsync(ParseResult parse, CancellationToken ct)
{
    var target = I3DRuntime.ResolveDevice(parse.GetValue(device));
    var videoRoot = parse.GetRequiredValue(data).FullName;
    // Any of the layouts in AnnotationFormat, the validation set with the training set's classes.
    var (trainSet, valSet) = DatasetSplits.Load(parse.GetValue(format), videoRoot, parse.GetValue(train)?.FullName, parse.GetValue(val)?.FullName,
        parse.GetValue(splits)?.FullName, parse.GetValue(split));
    var mode = parse.GetValue(modality)!;
    var loaderModality = mode switch { "rgb" => ClipModality.Rgb, "flow" => ClipModality.Flow, _ => ClipModality.RgbAndFlow };
    if (loaderModality != ClipModality.Rgb)
    {
        var flows = parse.GetValue(flowRoot)?.FullName
            ?? throw new ArgumentException($"--modality {mode} needs --flow-root (compute it with samples/ComputeFlow).");
        // By convention: each video's folder is the longest trailing part of its path found under the flow root.
        trainSet = trainSet.WithFlowRoot(flows);
        valSet = valSet?.WithFlowRoot(flows);
        var settings = I3D.Net.Flow.FlowSettings.TryLoad(trainSet.Items[0].FlowPath!);
        Console.WriteLine($"flow: {flows} ({(settings is null ? "no flow.json: flow assumed at each video's frame rate" : settings.ToString())})");
    }
    var classes = trainSet.Classes;
    Console.WriteLine($"data: {trainSet.Count} training and {valSet?.Count ?? 0} validation videos, {classes.Count} classes; {mode}");

    var outDir = parse.GetRequiredValue(output).FullName;
    if (!parse.GetValue(resume) && Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any())
        throw new ArgumentException($"'{outDir}' already holds checkpoints: pass --resume to continue from them, or choose another --out.");
    var (module, adapter, description) = await CreateModelAsync(parse, mode, classes.Count, ct);
    using var _ = module;
    Console.WriteLine($"model: {description}; libtorch {torch.__version__} on {target.type}");

    var (t, c, b) = (parse.GetValue(frames), parse.GetValue(crop), parse.GetValue(batch));
    var shortSide = Math.Max(c, c * 8 / 7);   // 256 for a 224 crop, as I3D
    var baseOptions = new ClipLoaderOptions { BatchSize = b, ClipLength = t, Modality = loaderModality, Workers = parse.GetValue(workers), Seed = 1 };
    var trainLoader = new VideoClipLoader(trainSet, baseOptions with
    {
        Transform = new ClipTransformOptions { ShortSide = shortSide, CropSize = c, RandomCrop = true, FlipProbability = 0.5 },
    });
    VideoClipLoader? valLoader = valSet is null ? null : new VideoClipLoader(valSet, ClipLoaderOptions.Evaluation with
    {
        BatchSize = b, ClipLength = t, Modality = loaderModality, Workers = parse.GetValue(workers),
        Transform = new ClipTransformOptions { ShortSide = shortSide, CropSize = c },
    });

    var steps = (long)parse.GetValue(epochs) * trainLoader.BatchesPerEpoch;
    var options = new TrainingOptions
    {
        Epochs = parse.GetValue(epochs),
        Seed = 1,
        Device = target.type == DeviceType.CUDA ? "cuda" : "cpu",
        Precision = parse.GetValue(precision),
        // The paper's recipe: SGD with momentum 0.9, a step schedule (×0.1 at 2/3 and 8/9 of training), tiny weight decay.
        Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = parse.GetValue(lr), Momentum = 0.9, WeightDecay = 1e-7 },
        // (Boundaries must ascend strictly; on a tiny run, e.g. 3 steps, 2/3 and 8/9 of it round to the same step.)
        Schedule = new LearningRateScheduleOptions
        {
            Kind = LearningRateScheduleKind.Piecewise, Factors = [1, 0.1, 0.01],
            Boundaries = [Math.Max(1, steps * 2 / 3), Math.Max(Math.Max(1, steps * 2 / 3) + 1, steps * 8 / 9)],
        },
        Checkpoint = new CheckpointOptions
        {
            Directory = outDir, KeepLast = 2, Resume = parse.GetValue(resume),
            KeepBestBy = valLoader is null ? null : "val_top1", KeepBestGoal = MetricGoal.Maximize,
        },
        LogEverySteps = 0,
    };
    var trainer = new I3DTrainer(adapter, options, callbacks: [new ConsoleCallback()]);
    var progress = ConsoleProgress.ForTraining(TimeSpan.FromSeconds(10));
    var result = await trainer.FitAsync(trainLoader, valLoader, options, progress, ct);
    if (result.ResumedFrom is { } from) Console.WriteLine($"resumed from {from}");
    result.History.SaveCsv(Path.Combine(outDir, "history.csv"));
    Console.WriteLine($"{result.StopReason} after {result.EpochsCompleted} epoch(s), {result.Steps} steps; last checkpoint {result.LastCheckpoint}"
        + (result.BestCheckpoint is { } best ? $", best {best}" : ""));
    if (valLoader is not null && (result.BestCheckpoint ?? result.LastCheckpoint) is { } chosen)
    {
        new CheckpointStore(outDir).LoadWeights(chosen, module);
        var m = await trainer.EvaluateAsync(valLoader, options, ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"validation ({m.SampleCount} videos): top-1 {m.Top1:P1}, top-5 {m.Top5:P1}, mean class accuracy {m.MeanClassAccuracy:P1}"));
    }
    var exported = Path.Combine(outDir, "model.safetensors");
    StateDictLoader.Save(module, exported, new Dictionary<string, string> { ["classes"] = string.Join("\n", classes) });
    classes.Save(Path.Combine(outDir, "class_map.json"));
    Console.WriteLine($"weights: {exported} (samples/Classify reads it)");
    return 0;
}

async Task<(torch.nn.Module Module, ClassifierAdapter Adapter, string Description)> CreateModelAsync(ParseResult parse, string mode, int numClasses, CancellationToken ct)
{
    var how = parse.GetValue(init)!;
    if (mode == "two-stream")
    {
        TwoStreamI3D model = how switch
        {
            "imagenet" => await TwoStreamI3D.FromImageNetAsync(numClasses, cancellationToken: ct),
            "kinetics" => FromKinetics(parse, numClasses) as TwoStreamI3D
                ?? throw new ArgumentException("--init kinetics with --modality two-stream needs two-stream weights (keys rgb.* and flow.*)."),
            _ => new TwoStreamI3D(numClasses),
        };
        return (model, ClassifierAdapter.TwoStream(model, model.Rgb, model.Flow), $"TwoStreamI3D, initialised from {how}");
    }
    var channels = mode == "rgb" ? 3 : 2;
    InceptionI3D stream = how switch
    {
        "imagenet" => await InceptionI3D.FromImageNetAsync(numClasses, channels, cancellationToken: ct),
        "kinetics" => FromKinetics(parse, numClasses) as InceptionI3D
            ?? throw new ArgumentException($"--init kinetics with --modality {mode} needs single-stream weights."),
        _ => new InceptionI3D(numClasses, channels),
    };
    if (stream.InChannels != channels)
        throw new ArgumentException($"The weights are a {(stream.InChannels == 3 ? "RGB" : "flow")} stream, but --modality is {mode}.");
    return (stream, mode == "rgb" ? ClassifierAdapter.Rgb(stream) : ClassifierAdapter.Flow(stream), $"InceptionI3D {mode}, initialised from {how}");
}

torch.nn.Module FromKinetics(ParseResult parse, int numClasses)
{
    var path = parse.GetValue(weights) ?? throw new ArgumentException("--init kinetics needs --weights (a Kinetics checkpoint).");
    var loaded = I3DModelFile.Load(path);   // any weights format; the architecture is read from the file
    Console.WriteLine($"loaded {loaded.Description}; replacing its {loaded.ClassNames.Count}-class logits with {numClasses} classes");
    loaded.TwoStream?.ReplaceLogits(numClasses);
    loaded.SingleStream?.ReplaceLogits(numClasses);
    return loaded.Module;
}

/// <summary>Prints each epoch's metrics.</summary>
sealed class ConsoleCallback : ITrainingCallback
{
    public void OnTrainBegin(TrainingBeginContext context) =>
        Console.WriteLine($"training from step {context.StartStep} (epoch {context.StartEpoch + 1}) of {context.TotalSteps}");

    public void OnEpochEnd(EpochEndContext context) =>
        Console.WriteLine($"epoch {context.Record.Epoch + 1} done: " + string.Join(", ", context.Record.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:G4}"))));
}
