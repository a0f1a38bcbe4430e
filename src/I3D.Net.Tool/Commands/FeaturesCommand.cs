using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using I3D.Net.Data.Transforms;
using I3D.Net.Flow;
using I3D.Net.Inference;
using I3D.Net.Models;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool.Commands;

/// <summary>Options of <c>i3d features</c>.</summary>
internal sealed class FeaturesSettings : ModelSettings
{
    [CommandArgument(0, "<VIDEOS>")]
    [Description("The dataset folder (searched recursively; its tree is mirrored under <OUT>).")]
    public string Videos { get; init; } = "";

    [CommandArgument(1, "<OUT>")]
    [Description("The output folder: <VIDEOS>/a/b.mp4 gets <OUT>/a/b.npy (or .safetensors), and features.json records the settings.")]
    public string Out { get; init; } = "";

    [CommandOption("--endpoint <LAYER>")]
    [Description("The layer whose output is saved, e.g. Mixed_5c (1024 values per clip when pooled), Mixed_4f, Logits.")]
    [DefaultValue(I3DEndpoint.Mixed_5c)]
    public I3DEndpoint Endpoint { get; init; } = I3DEndpoint.Mixed_5c;

    [CommandOption("--pooling <POOLING>")]
    [Description("average (one vector per clip) or none (the endpoint's whole output).")]
    [DefaultValue(FeaturePooling.Average)]
    public FeaturePooling Pooling { get; init; } = FeaturePooling.Average;

    [CommandOption("--format <FORMAT>")]
    [Description("npy or safetensors.")]
    [DefaultValue("npy")]
    public string Format { get; init; } = "npy";

    [CommandOption("--frames <N>")]
    [Description("Without --window: frames of the one centre clip per video.")]
    [DefaultValue(64)]
    public int Frames { get; init; } = 64;

    [CommandOption("--window <F>")]
    [Description("Features of every window of F frames (one row per window) instead of one clip per video.")]
    public int? Window { get; init; }

    [CommandOption("--stride <S>")]
    [Description("With --window: frames between window starts (default: F/2).")]
    public int? Stride { get; init; }

    [CommandOption("--fps <FPS>")]
    [Description("Resample to this frame rate first (I3D: 25); 0 reads every decoded frame.")]
    [DefaultValue(25.0)]
    public double Fps { get; init; } = 25;

    [CommandOption("--short-side <PX>")]
    [Description("Resize the shorter side to this (I3D: 256).")]
    [DefaultValue(256)]
    public int ShortSide { get; init; } = 256;

    [CommandOption("--crop <PX>")]
    [Description("Centre crop size (I3D: 224); 0 keeps the whole resized frame.")]
    [DefaultValue(224)]
    public int Crop { get; init; } = 224;

    [CommandOption("--stream <STREAM>")]
    [Description("For a two-stream model: rgb or flow.")]
    [DefaultValue("rgb")]
    public string Stream { get; init; } = "rgb";

    [CommandOption("--flow-root <DIR>")]
    [Description("For the flow stream: precomputed flow folders ('i3d flow <VIDEOS> <DIR>'); otherwise flow is computed per video with TV-L1.")]
    public string? FlowRoot { get; init; }

    [CommandOption("--tvl1 <PRESET>")]
    [Description("TV-L1 settings when flow is computed here: default (OpenCV's) or fast.")]
    [DefaultValue("default")]
    public string TvL1 { get; init; } = "default";

    [CommandOption("--batch <N>")]
    [Description("Clips in one forward pass.")]
    [DefaultValue(4)]
    public int Batch { get; init; } = 4;

    [CommandOption("--shard <K/N>")]
    [Description("Process only shard K of N (1-based): each video belongs to exactly one shard, by a stable hash of its path relative to <VIDEOS>.")]
    public string? Shard { get; init; }

    [CommandOption("--json")]
    [Description("Write the summary as JSON on stdout.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (!Directory.Exists(Videos)) return ValidationResult.Error($"'{Videos}' is not a folder (features takes a dataset folder).");
        if (!Enum.IsDefined(Endpoint)) return ValidationResult.Error($"--endpoint must be one of {string.Join(", ", Enum.GetNames<I3DEndpoint>())}.");
        if (Format is not ("npy" or "safetensors")) return ValidationResult.Error($"--format must be npy or safetensors; found '{Format}'.");
        if (Frames < 1 || Window is < 1 || Stride is < 1 || Batch < 1) return ValidationResult.Error("--frames, --window, --stride and --batch must be at least 1.");
        if (Stride is not null && Window is null) return ValidationResult.Error("--stride applies to --window.");
        if (Fps < 0 || Crop < 0 || ShortSide < 1) return ValidationResult.Error("--fps and --crop must be 0 or more, --short-side at least 1.");
        if (Stream is not ("rgb" or "flow")) return ValidationResult.Error($"--stream must be rgb or flow; found '{Stream}'.");
        if (TvL1 is not ("default" or "fast")) return ValidationResult.Error($"--tvl1 must be default or fast; found '{TvL1}'.");
        if (FlowRoot is not null && !Directory.Exists(FlowRoot)) return ValidationResult.Error($"--flow-root '{FlowRoot}' is not a folder.");
        if (ShardOption.TryParse(Shard, out _) is { } error) return ValidationResult.Error(error);
        return base.Validate();
    }

    /// <summary>The extraction options these settings describe.</summary>
    public FeatureExtractionOptions ToOptions()
    {
        ShardOption.TryParse(Shard, out var shard);
        return new FeatureExtractionOptions
        {
            Endpoint = Endpoint,
            Pooling = Pooling,
            Windowing = Window is null ? FeatureWindowing.PerVideo : FeatureWindowing.PerWindow,
            Frames = Window ?? Frames,
            Stride = Stride ?? Math.Max(1, (Window ?? 2) / 2),
            FramesPerSecond = Fps > 0 ? Fps : null,
            Transform = new ClipTransformOptions { ShortSide = ShortSide, CropSize = Crop > 0 ? Crop : null },
            BatchSize = Batch,
            Format = Format == "npy" ? FeatureFileFormat.Npy : FeatureFileFormat.SafeTensors,
            Shard = shard,
            Device = Device,
            FlowRoot = FlowRoot is null ? null : Path.GetFullPath(FlowRoot),
        };
    }
}

/// <summary><c>i3d features</c>: endpoint features of every video of a dataset, resumable, shardable.</summary>
internal sealed class FeaturesCommand(ToolEnvironment environment) : AsyncCommand<FeaturesSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FeaturesSettings settings, CancellationToken cancellationToken)
    {
        var (model, description) = Open(settings, cancellationToken);
        using var _ = model;
        var options = settings.ToOptions();
        var extractor = new FeatureExtractor(model, options, new TvL1OpticalFlow(settings.TvL1 == "fast" ? TvL1OpticalFlowOptions.Fast : new TvL1OpticalFlowOptions()));
        var output = Path.GetFullPath(settings.Out);
        if (!settings.Json)
            environment.WriteLine($"features: {options.Endpoint} ({options.Pooling.ToString().ToLowerInvariant()} pooling) of {description}, "
                + $"{(options.Windowing == FeatureWindowing.PerVideo ? $"one clip of {options.Frames} frames per video" : $"windows of {options.Frames} frames every {options.Stride}")}: "
                + $"{settings.Videos} -> {output}{(options.Shard.IsWhole ? "" : $" (shard {options.Shard})")}");
        var watch = Stopwatch.StartNew();
        FeatureExtractionSummary summary;
        try
        {
            summary = await ProgressBar.RunAsync(environment, "features", report => extractor.ExtractDatasetAsync(settings.Videos, output,
                new InlineProgress<FeatureExtractionProgress>(p =>
                {
                    if (p.Status == FeatureVideoStatus.Failed)
                        environment.WriteError($"{p.VideoPath}: {p.Error}");
                    report(p.VideosCompleted, p.VideosTotal, Path.GetFileName(p.VideoPath));
                }), cancellationToken));
        }
        catch (InvalidOperationException e)
        {
            // The output folder holds features made with other settings: the command line has to change.
            throw new UsageException(e.Message);
        }
        var seconds = watch.Elapsed.TotalSeconds;
        if (settings.Json)
            Json.Write(environment, new FeaturesJson(output, summary.Extracted.Order(StringComparer.Ordinal).ToArray(), summary.Skipped.Order(StringComparer.Ordinal).ToArray(),
                summary.Failed.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value), summary.InOtherShards, options.Shard.ToString(), seconds));
        else
            environment.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"features: {summary.Extracted.Count} extracted, {summary.Skipped.Count} skipped (already complete), {summary.Failed.Count} failed"
                + $"{(options.Shard.IsWhole ? "" : $", {summary.InOtherShards} in other shards")} in {seconds:F1} s"));
        return summary.Failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static (InceptionI3D Model, string Description) Open(FeaturesSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Model is { } path)
        {
            var loaded = I3DModelFile.Load(path, settings.Classes is { } file ? I3DModelFile.ReadClassNames(file) : null);
            if (loaded.TwoStream is { } two)
            {
                // Keep the chosen stream; the other one is disposed with the wrapper's remaining parameters.
                var (keep, drop) = settings.Stream == "flow" ? (two.Flow, two.Rgb) : (two.Rgb, two.Flow);
                drop.Dispose();
                return (keep, $"the {settings.Stream} stream of {loaded.Description}");
            }
            return (loaded.SingleStream!, loaded.Description);
        }
        var weights = PretrainedNames.GetClassifier(settings.Pretrained!);
        if (weights.Streams is { } streams)
            weights = streams.First(s => s.Inputs[0].Modality.ToString().Equals(settings.Stream, StringComparison.OrdinalIgnoreCase));
        return (InceptionI3D.FromPretrained(weights, PretrainedNames.Options(settings.Cache, settings.Offline), cancellationToken), weights.Name);
    }

    private sealed record FeaturesJson(string Output, IReadOnlyList<string> Extracted, IReadOnlyList<string> Skipped, IReadOnlyDictionary<string, string> Failed,
        int InOtherShards, string Shard, double Seconds);
}
