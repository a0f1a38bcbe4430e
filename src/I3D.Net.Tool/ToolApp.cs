using I3D.Net.Tool.Commands;
using Spectre.Console.Cli;

namespace I3D.Net.Tool;

/// <summary>The <c>i3d</c> command tree, runnable in process (the tests run it on their own writers).</summary>
internal static class ToolApp
{
    /// <summary>Runs one command line and returns its exit code (<see cref="ExitCodes"/>).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, ToolEnvironment environment, CancellationToken cancellationToken = default)
    {
        var registrar = new ToolRegistrar();
        registrar.RegisterInstance(typeof(ToolEnvironment), environment);
        var app = new CommandApp(registrar);
        app.Configure(config => Configure(config, environment));
        return await app.RunAsync(args, cancellationToken);
    }

    private static void Configure(IConfigurator config, ToolEnvironment environment)
    {
        config.SetApplicationName("i3d");
        config.UseStrictParsing();   // an unknown option is an error, not a remaining argument
        config.SetApplicationVersion(typeof(ToolApp).Assembly.GetName().Version?.ToString(3) ?? "0");
        config.ConfigureConsole(environment.Out);
        config.SetExceptionHandler((exception, _) => HandleException(exception, environment));

        config.AddCommand<ClassifyCommand>("classify")
            .WithDescription("Classify videos with an I3D model: the top-k classes of each file, or of each window of a long video (--timeline).")
            .WithExample("classify", "video.mp4", "--pretrained", "kinetics400")
            .WithExample("classify", "a.mp4", "b.mp4", "--model", "checkpoints/", "--json")
            .WithExample("classify", "match.mp4", "--pretrained", "kinetics400-rgb-imagenet", "--timeline", "--window", "2.56", "--stride", "1");
        config.AddCommand<FinetuneCommand>("finetune")
            .WithDescription("Fine-tune I3D (RGB, flow or two-stream) on a video dataset; checkpoints in --out, --resume continues.")
            .WithExample("finetune", "--data", "ucf101/videos", "--format", "ucf101", "--splits", "ucf101/splits")
            .WithExample("finetune", "--data", "ds", "--format", "folders", "--modality", "two-stream", "--flow-root", "flow", "--resume");
        config.AddCommand<FlowCommand>("flow")
            .WithDescription("Extract optical flow (TV-L1 or Farneback) for a video or a dataset tree into flow_x_/flow_y_ JPEG folders; resumable.")
            .WithExample("flow", "videos/", "flow/")
            .WithExample("flow", "videos/", "flow/", "--method", "farneback", "--shard", "3/8");
        config.AddCommand<FeaturesCommand>("features")
            .WithDescription("Extract endpoint features (e.g. Mixed_5c, 1024 per clip) of every video of a dataset to .npy or .safetensors, per video or per window; resumable.")
            .WithExample("features", "videos/", "features/", "--pretrained", "kinetics400-rgb-imagenet")
            .WithExample("features", "videos/", "features/", "--model", "model.safetensors", "--window", "16", "--stride", "8", "--format", "safetensors", "--shard", "2/4");
        config.AddCommand<CheckDatasetCommand>("check-dataset")
            .WithDescription("Report which items of a dataset have complete, partial or missing flow and features (after the shards ran); exit code 1 unless all are complete.")
            .WithExample("check-dataset", "videos/", "--flow", "flow/", "--features", "features/")
            .WithExample("check-dataset", "videos/", "--flow", "flow/", "--shard", "3/8", "--json");
        config.AddCommand<ExportCommand>("export")
            .WithDescription("Export a model to ONNX (I3D.Net.Onnx): logits or features, BatchNorm folded.")
            .WithExample("export", "i3d.onnx", "--pretrained", "kinetics400-rgb-imagenet")
            .WithExample("export", "model.onnx", "--model", "checkpoints/", "--frames", "32", "--size", "112");
        config.AddBranch("weights", weights =>
        {
            weights.SetDescription("The published weights: list them, download, verify, and show the cache folder.");
            weights.AddCommand<WeightsListCommand>("list").WithDescription("List the published weights (and whether each is in the cache).")
                .WithExample("weights", "list", "--json");
            weights.AddCommand<WeightsDownloadCommand>("download").WithDescription("Download, verify and convert published weights into the cache.")
                .WithExample("weights", "download", "kinetics400");
            weights.AddCommand<WeightsVerifyCommand>("verify").WithDescription("Verify cached weights against the published checksums (never downloads).")
                .WithExample("weights", "verify", "kinetics400-rgb-imagenet");
            weights.AddCommand<WeightsPathCommand>("path").WithDescription("Print the cache folder ($I3D_NET_HOME, else $XDG_CACHE_HOME/i3d-net, else ~/.cache/i3d-net).")
                .WithExample("weights", "path");
        });
    }

    /// <summary>One line on stderr, and the exit code: 2 for usage errors, 130 for Ctrl+C, 1 for the rest.</summary>
    internal static int HandleException(Exception exception, ToolEnvironment environment)
    {
        switch (exception)
        {
            case CommandAppException or UsageException:
                environment.WriteError(exception.Message);
                return ExitCodes.Usage;
            case OperationCanceledException:
                environment.WriteError("cancelled");
                return ExitCodes.Cancelled;
            default:
                environment.WriteError(exception is AggregateException { InnerExceptions.Count: 1 } a ? a.InnerExceptions[0].Message : exception.Message);
                return ExitCodes.Failed;
        }
    }
}
