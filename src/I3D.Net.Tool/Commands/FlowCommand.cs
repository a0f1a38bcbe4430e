using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using I3D.Net.Flow;
using I3D.Net.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool.Commands;

/// <summary>Options of <c>i3d flow</c>.</summary>
internal sealed class FlowCommandSettings : CommandSettings
{
    [CommandArgument(0, "<VIDEOS>")]
    [Description("A dataset folder (searched recursively; its tree is mirrored under <OUT>) or one video file.")]
    public string Videos { get; init; } = "";

    [CommandArgument(1, "<OUT>")]
    [Description("The output folder: <VIDEOS>/a/b.mp4 gets <OUT>/a/b/flow_x_00001.jpg, flow_y_00001.jpg, …, flow.json and a .done marker.")]
    public string Out { get; init; } = "";

    [CommandOption("--method <METHOD>")]
    [Description("tvl1 (the flow I3D was trained on) or farneback (OpenCV, fast, CPU).")]
    [DefaultValue("tvl1")]
    public string Method { get; init; } = "tvl1";

    [CommandOption("--tvl1 <PRESET>")]
    [Description("TV-L1 settings: default (OpenCV's) or fast (3 scales, 1 warp, 20 iterations).")]
    [DefaultValue("default")]
    public string TvL1 { get; init; } = "default";

    [CommandOption("--shard <K/N>")]
    [Description("Process only shard K of N (1-based): each video belongs to exactly one shard, by a stable hash of its path relative to <VIDEOS>.")]
    public string? Shard { get; init; }

    [CommandOption("--parallel <N>")]
    [Description("Videos processed at once.")]
    [DefaultValue(1)]
    public int Parallel { get; init; } = 1;

    [CommandOption("--fps <FPS>")]
    [Description("Resample every video to this rate first (default: each video's own rate).")]
    public double? Fps { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when available), cpu or cuda (TV-L1 only).")]
    [DefaultValue(ComputeDevice.Auto)]
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    [CommandOption("--json")]
    [Description("Write the summary as JSON on stdout.")]
    public bool Json { get; init; }

    public override ValidationResult Validate()
    {
        if (!File.Exists(Videos) && !Directory.Exists(Videos))
            return ValidationResult.Error($"'{Videos}' is neither a video file nor a folder.");
        if (Method is not ("tvl1" or "farneback")) return ValidationResult.Error($"--method must be tvl1 or farneback; found '{Method}'.");
        if (TvL1 is not ("default" or "fast")) return ValidationResult.Error($"--tvl1 must be default or fast; found '{TvL1}'.");
        if (Parallel < 1) return ValidationResult.Error($"--parallel must be at least 1; found {Parallel}.");
        if (Fps is not null && !(Fps > 0)) return ValidationResult.Error($"--fps must be positive; found {Fps}.");
        if (Shard is not null && ShardOption.TryParse(Shard, out _) is { } error) return ValidationResult.Error(error);
        return base.Validate();
    }
}

/// <summary><c>i3d flow</c>: optical flow for a dataset (or one video), resumable, shardable.</summary>
internal sealed class FlowCommand(ToolEnvironment environment) : AsyncCommand<FlowCommandSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, FlowCommandSettings settings, CancellationToken cancellationToken)
    {
        var device = I3DRuntime.ResolveDevice(settings.Device);
        IOpticalFlow method = settings.Method == "farneback"
            ? new FarnebackOpticalFlow()
            : new TvL1OpticalFlow(settings.TvL1 == "fast" ? TvL1OpticalFlowOptions.Fast : new TvL1OpticalFlowOptions());
        ShardOption.TryParse(settings.Shard, out var shard);
        var options = new FlowExtractionOptions { MaxDegreeOfParallelism = settings.Parallel, Device = device, TargetFps = settings.Fps, Shard = shard };
        var extractor = new FlowExtractor(method, options);
        var output = Path.GetFullPath(settings.Out);
        if (!settings.Json)
            environment.WriteLine($"{extractor.Settings} on {(settings.Method == "tvl1" ? device.type.ToString().ToLowerInvariant() : "cpu")}: "
                + $"{settings.Videos} -> {output}{(shard.IsWhole ? "" : $" (shard {shard})")}");
        var watch = Stopwatch.StartNew();
        var pairs = 0L;
        var summary = await ProgressBar.RunAsync(environment, "flow", async report =>
        {
            var progress = new InlineProgress<FlowExtractionProgress>(p =>
            {
                Interlocked.Add(ref pairs, p.Status == FlowVideoStatus.Extracted ? p.FramePairs : 0);
                if (p.Status == FlowVideoStatus.Failed)
                    environment.WriteError($"{p.VideoPath}: {p.Error}");
                report(p.VideosCompleted, p.VideosTotal, Path.GetFileName(p.VideoPath));
            });
            return Directory.Exists(settings.Videos)
                ? await extractor.ExtractDatasetAsync(settings.Videos, output, progress, cancellationToken)
                : await extractor.ExtractAsync([settings.Videos], output, progress, cancellationToken);
        });
        var seconds = watch.Elapsed.TotalSeconds;
        if (settings.Json)
            Json.Write(environment, new FlowJson(output, summary.Extracted.Order(StringComparer.Ordinal).ToArray(), summary.Skipped.Order(StringComparer.Ordinal).ToArray(),
                summary.Failed.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(kv => kv.Key, kv => kv.Value), summary.InOtherShards, shard.ToString(), pairs, seconds));
        else
            environment.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"flow: {summary.Extracted.Count} extracted ({pairs} pairs), {summary.Skipped.Count} skipped (already complete), {summary.Failed.Count} failed{(shard.IsWhole ? "" : $", {summary.InOtherShards} in other shards")} in {seconds:F1} s"));
        return summary.Failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private sealed record FlowJson(string Output, IReadOnlyList<string> Extracted, IReadOnlyList<string> Skipped, IReadOnlyDictionary<string, string> Failed,
        int InOtherShards, string Shard, long FramePairs, double Seconds);
}
