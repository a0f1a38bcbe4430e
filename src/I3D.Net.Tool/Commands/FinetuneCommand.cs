using System.ComponentModel;
using System.Globalization;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Runtime;
using I3D.Net.Training;
using I3D.Net.Weights;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace I3D.Net.Tool.Commands;

/// <summary>Options of <c>i3d finetune</c>.</summary>
internal sealed class FinetuneSettings : CommandSettings
{
    [CommandOption("-d|--data <DIR>")]
    [Description("The dataset's video root.")]
    public string Data { get; init; } = "";

    [CommandOption("-f|--format <FORMAT>")]
    [Description("folders (<data>/train|val/<class>/…), list (path label), rawframes (folder frames label), ucf101, hmdb51 (official splits) or kinetics (CSV).")]
    [DefaultValue(AnnotationFormat.Folders)]
    public AnnotationFormat Format { get; init; } = AnnotationFormat.Folders;

    [CommandOption("--train <FILE>")]
    [Description("The training list or CSV (list, rawframes, kinetics).")]
    public string? Train { get; init; }

    [CommandOption("--val <FILE>")]
    [Description("The validation list or CSV (list, rawframes, kinetics).")]
    public string? Val { get; init; }

    [CommandOption("--splits <DIR>")]
    [Description("The official split files' folder (ucf101, hmdb51).")]
    public string? Splits { get; init; }

    [CommandOption("--split <N>")]
    [Description("Which official split, 1 to 3 (ucf101, hmdb51).")]
    [DefaultValue(1)]
    public int Split { get; init; } = 1;

    [CommandOption("--modality <MODALITY>")]
    [Description("rgb, flow or two-stream (flow and two-stream need --flow-root).")]
    [DefaultValue("rgb")]
    public string Modality { get; init; } = "rgb";

    [CommandOption("--flow-root <DIR>")]
    [Description("The flow folders of the dataset ('i3d flow <data> <flow-root>'), found by each video's relative path.")]
    public string? FlowRoot { get; init; }

    [CommandOption("--init <INIT>")]
    [Description("imagenet (GoogLeNet inflated; cached or downloaded), kinetics (a Kinetics model, --weights) or scratch.")]
    [DefaultValue("imagenet")]
    public string Init { get; init; } = "imagenet";

    [CommandOption("-w|--weights <PATH>")]
    [Description("With --init kinetics: the model file or checkpoint to start from (any format 'i3d classify --model' reads).")]
    public string? Weights { get; init; }

    [CommandOption("-e|--epochs <N>")]
    [DefaultValue(10)]
    [Description("Epochs.")]
    public int Epochs { get; init; } = 10;

    [CommandOption("-b|--batch <N>")]
    [DefaultValue(8)]
    [Description("Videos per batch.")]
    public int Batch { get; init; } = 8;

    [CommandOption("--frames <N>")]
    [DefaultValue(64)]
    [Description("Frames per training clip (I3D: 64).")]
    public int Frames { get; init; } = 64;

    [CommandOption("--crop <PX>")]
    [DefaultValue(224)]
    [Description("Crop size (I3D: 224 of 256).")]
    public int Crop { get; init; } = 224;

    [CommandOption("--lr <RATE>")]
    [DefaultValue(0.01)]
    [Description("Learning rate (SGD, momentum 0.9, x0.1 at 2/3 and 8/9 of training).")]
    public double LearningRate { get; init; } = 0.01;

    [CommandOption("--precision <PRECISION>")]
    [DefaultValue(TrainingPrecision.Float32)]
    [Description("Float32, or BFloat16Mixed (bf16 compute with fp32 master weights; for CUDA).")]
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Float32;

    [CommandOption("-o|--out <DIR>")]
    [DefaultValue("checkpoints")]
    [Description("The checkpoint folder; model.safetensors and class_map.json are written there at the end.")]
    public string Out { get; init; } = "checkpoints";

    [CommandOption("--resume")]
    [Description("Continue from the latest valid checkpoint in --out (otherwise --out must hold none).")]
    public bool Resume { get; init; }

    [CommandOption("--workers <N>")]
    [Description("Decoding threads (default: processors - 1).")]
    public int? Workers { get; init; }

    [CommandOption("--seed <N>")]
    [DefaultValue(1)]
    [Description("Seed of the initialisation, shuffling and augmentation.")]
    public int Seed { get; init; } = 1;

    [CommandOption("--device <DEVICE>")]
    [DefaultValue(ComputeDevice.Auto)]
    [Description("auto (CUDA when available), cpu or cuda.")]
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    public override ValidationResult Validate()
    {
        if (string.IsNullOrEmpty(Data)) return ValidationResult.Error("Give the dataset with --data <DIR>.");
        if (!Directory.Exists(Data)) return ValidationResult.Error($"--data '{Data}' is not a folder.");
        if (Modality is not ("rgb" or "flow" or "two-stream")) return ValidationResult.Error($"--modality must be rgb, flow or two-stream; found '{Modality}'.");
        if (Modality != "rgb" && FlowRoot is null) return ValidationResult.Error($"--modality {Modality} needs --flow-root (compute it with 'i3d flow').");
        if (FlowRoot is not null && !Directory.Exists(FlowRoot)) return ValidationResult.Error($"--flow-root '{FlowRoot}' is not a folder.");
        if (Init is not ("imagenet" or "kinetics" or "scratch")) return ValidationResult.Error($"--init must be imagenet, kinetics or scratch; found '{Init}'.");
        if (Init == "kinetics" && Weights is null) return ValidationResult.Error("--init kinetics needs --weights <PATH>.");
        if (Weights is not null && Init != "kinetics") return ValidationResult.Error("--weights applies to --init kinetics.");
        if (Epochs < 1 || Batch < 1 || Frames < 1 || Crop < 1) return ValidationResult.Error("--epochs, --batch, --frames and --crop must be at least 1.");
        if (!(LearningRate > 0)) return ValidationResult.Error($"--lr must be positive; found {LearningRate}.");
        if (Workers is < 1) return ValidationResult.Error($"--workers must be at least 1; found {Workers}.");
        if (Split is < 1 or > 3) return ValidationResult.Error($"--split must be 1, 2 or 3; found {Split}.");
        foreach (var (name, file) in new[] { ("--train", Train), ("--val", Val) })
        {
            if (file is not null && !File.Exists(file)) return ValidationResult.Error($"{name} '{file}' does not exist.");
        }
        if (!Resume && Directory.Exists(Out) && Directory.EnumerateFileSystemEntries(Out).Any())
            return ValidationResult.Error($"--out '{Out}' already holds files: pass --resume to continue from its checkpoints, or choose another --out.");
        return base.Validate();
    }
}

/// <summary><c>i3d finetune</c>: the paper's fine-tuning recipe on a dataset, with checkpoints that survive a crash.</summary>
internal sealed class FinetuneCommand(ToolEnvironment environment) : AsyncCommand<FinetuneSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FinetuneSettings settings, CancellationToken cancellationToken)
    {
        var target = I3DRuntime.ResolveDevice(settings.Device);
        var videoRoot = Path.GetFullPath(settings.Data);
        VideoAnnotations train;
        VideoAnnotations? val;
        try
        {
            (train, val) = DatasetSplits.Load(settings.Format, videoRoot, settings.Train, settings.Val, settings.Splits, settings.Split);
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message);
        }
        var modality = settings.Modality switch { "rgb" => ClipModality.Rgb, "flow" => ClipModality.Flow, _ => ClipModality.RgbAndFlow };
        if (modality != ClipModality.Rgb)
        {
            var flows = Path.GetFullPath(settings.FlowRoot!);
            train = train.WithFlowRoot(flows);
            val = val?.WithFlowRoot(flows);
        }
        var classes = train.Classes;
        environment.WriteLine($"data: {train.Count} training and {val?.Count ?? 0} validation videos, {classes.Count} classes; {settings.Modality}");

        manual_seed(settings.Seed);
        var (module, adapter, description) = await CreateModelAsync(settings, classes.Count, cancellationToken);
        using var _ = module;
        environment.WriteLine($"model: {description}; on {target.type.ToString().ToLowerInvariant()}");

        var workers = settings.Workers ?? Math.Max(1, Environment.ProcessorCount - 1);
        var shortSide = Math.Max(settings.Crop, settings.Crop * 8 / 7);   // 256 for a 224 crop, as I3D
        var trainLoader = new VideoClipLoader(train, new ClipLoaderOptions
        {
            BatchSize = settings.Batch, ClipLength = settings.Frames, Modality = modality, Workers = workers, Seed = settings.Seed,
            Transform = new ClipTransformOptions { ShortSide = shortSide, CropSize = settings.Crop, RandomCrop = true, FlipProbability = 0.5 },
        });
        var valLoader = val is null ? null : new VideoClipLoader(val, ClipLoaderOptions.Evaluation with
        {
            BatchSize = settings.Batch, ClipLength = settings.Frames, Modality = modality, Workers = workers,
            Transform = new ClipTransformOptions { ShortSide = shortSide, CropSize = settings.Crop },
        });

        var outDir = Path.GetFullPath(settings.Out);
        var steps = (long)settings.Epochs * trainLoader.BatchesPerEpoch;
        var first = Math.Max(1, steps * 2 / 3);
        var options = new TrainingOptions
        {
            Epochs = settings.Epochs,
            Seed = settings.Seed,
            Device = target.type == TorchSharp.DeviceType.CUDA ? "cuda" : "cpu",
            Precision = settings.Precision,
            Optimizer = new OptimizerOptions { Kind = OptimizerKind.Sgd, LearningRate = settings.LearningRate, Momentum = 0.9, WeightDecay = 1e-7 },
            // The paper's step schedule; on a tiny run the two boundaries must still ascend strictly.
            Schedule = new LearningRateScheduleOptions { Kind = LearningRateScheduleKind.Piecewise, Factors = [1, 0.1, 0.01], Boundaries = [first, Math.Max(first + 1, steps * 8 / 9)] },
            Checkpoint = new CheckpointOptions
            {
                Directory = outDir, KeepLast = 2, Resume = settings.Resume,
                KeepBestBy = valLoader is null ? null : "val_top1", KeepBestGoal = MetricGoal.Maximize,
            },
            LogEverySteps = 0,
        };
        var trainer = new I3DTrainer(adapter, options, callbacks: [new EpochLines(environment)]);
        var result = await ProgressBar.RunAsync(environment, "finetune", report =>
            trainer.FitAsync(trainLoader, valLoader, options, new InlineProgress<TrainingProgress>(p =>
                report(p.Timing.Done, p.Timing.Total, string.Create(CultureInfo.InvariantCulture, $"epoch {p.Epoch + 1}/{p.Epochs}, loss {p.Loss:F4}"))), cancellationToken));
        if (result.ResumedFrom is { } from) environment.WriteLine($"resumed from {from}");
        result.History.SaveCsv(Path.Combine(outDir, "history.csv"));
        environment.WriteLine($"{result.StopReason} after {result.EpochsCompleted} epoch(s), {result.Steps} steps; last checkpoint {result.LastCheckpoint}"
            + (result.BestCheckpoint is { } best ? $", best {best}" : ""));
        if (valLoader is not null && (result.BestCheckpoint ?? result.LastCheckpoint) is { } chosen)
        {
            new CheckpointStore(outDir).LoadWeights(chosen, module);
            var m = await trainer.EvaluateAsync(valLoader, options, cancellationToken);
            environment.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"validation ({m.SampleCount} videos): top-1 {m.Top1:P1}, top-5 {m.Top5:P1}, mean class accuracy {m.MeanClassAccuracy:P1}"));
        }
        var exported = Path.Combine(outDir, "model.safetensors");
        Checkpoints.Save(module, exported, classes.Names);
        classes.Save(Path.Combine(outDir, "class_map.json"));
        environment.WriteLine($"weights: {exported} ('i3d classify --model' reads it)");
        return ExitCodes.Ok;
    }

    private async Task<(nn.Module Module, ClassifierAdapter Adapter, string Description)> CreateModelAsync(FinetuneSettings settings, int numClasses,
        CancellationToken cancellationToken)
    {
        if (settings.Modality == "two-stream")
        {
            var model = settings.Init switch
            {
                "imagenet" => await TwoStreamI3D.FromImageNetAsync(numClasses, cancellationToken: cancellationToken),
                "kinetics" => FromKinetics(settings.Weights!, numClasses).TwoStream
                    ?? throw new UsageException("--init kinetics with --modality two-stream needs two-stream weights (keys rgb.* and flow.*)."),
                _ => new TwoStreamI3D(numClasses),
            };
            return (model, ClassifierAdapter.TwoStream(model, model.Rgb, model.Flow), $"TwoStreamI3D, initialised from {settings.Init}");
        }
        var channels = settings.Modality == "rgb" ? 3 : 2;
        var stream = settings.Init switch
        {
            "imagenet" => await InceptionI3D.FromImageNetAsync(numClasses, channels, cancellationToken: cancellationToken),
            "kinetics" => FromKinetics(settings.Weights!, numClasses).SingleStream
                ?? throw new UsageException($"--init kinetics with --modality {settings.Modality} needs single-stream weights."),
            _ => new InceptionI3D(numClasses, channels),
        };
        if (stream.InChannels != channels)
            throw new UsageException($"The weights are a {(stream.InChannels == 3 ? "RGB" : "flow")} stream, but --modality is {settings.Modality}.");
        return (stream, channels == 3 ? ClassifierAdapter.Rgb(stream) : ClassifierAdapter.Flow(stream), $"InceptionI3D {settings.Modality}, initialised from {settings.Init}");
    }

    private LoadedI3DModel FromKinetics(string path, int numClasses)
    {
        var loaded = I3DModelFile.Load(path);
        environment.WriteLine($"loaded {loaded.Description}; replacing its {loaded.NumClasses}-class logits with {numClasses} classes");
        loaded.TwoStream?.ReplaceLogits(numClasses);
        loaded.SingleStream?.ReplaceLogits(numClasses);
        return loaded;
    }

    /// <summary>One line per epoch with its metrics.</summary>
    private sealed class EpochLines(ToolEnvironment environment) : ITrainingCallback
    {
        public void OnEpochEnd(EpochEndContext context) =>
            environment.WriteLine($"epoch {context.Record.Epoch + 1}: " + string.Join(", ", context.Record.Metrics.OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:G4}"))));
    }
}
