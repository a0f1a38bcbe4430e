using System.ComponentModel;
using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Onnx;
using I3D.Net.Weights;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool.Commands;

/// <summary>Options of <c>i3d export</c>.</summary>
internal sealed class ExportSettings : ModelSettings
{
    [CommandArgument(0, "<OUT>")]
    [Description("The .onnx file to write.")]
    public string Out { get; init; } = "";

    [CommandOption("--frames <N>")]
    [Description("Frames of the exported clip size.")]
    [DefaultValue(64)]
    public int Frames { get; init; } = 64;

    [CommandOption("--size <PX>")]
    [Description("Height and width of the exported clip size.")]
    [DefaultValue(224)]
    public int Size { get; init; } = 224;

    [CommandOption("--endpoint <ENDPOINT>")]
    [Description("logits, features (pooled 1024-d, 2048-d for two streams) or a layer name such as Mixed_4f (one stream only).")]
    [DefaultValue("logits")]
    public string Endpoint { get; init; } = "logits";

    [CommandOption("--opset <N>")]
    [Description("ONNX opset (13 to 21).")]
    [DefaultValue(17)]
    public int Opset { get; init; } = 17;

    [CommandOption("--no-fold-batchnorm")]
    [Description("Keep BatchNormalization nodes instead of folding them into the convolutions.")]
    public bool NoFoldBatchNorm { get; init; }

    [CommandOption("--static-batch")]
    [Description("A fixed batch size of 1 instead of a dynamic batch dimension.")]
    public bool StaticBatch { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Out)) return ValidationResult.Error("Give the .onnx file to write.");
        if (Frames < 1 || Size < 1) return ValidationResult.Error("--frames and --size must be at least 1.");
        if (Opset is < OnnxExportOptions.MinimumOpset or > OnnxExportOptions.MaximumOpset)
            return ValidationResult.Error($"--opset must be {OnnxExportOptions.MinimumOpset} to {OnnxExportOptions.MaximumOpset}; found {Opset}.");
        if (ParseEndpoint(Endpoint) is null)
            return ValidationResult.Error($"--endpoint must be logits, features or one of {string.Join(", ", Enum.GetNames<I3DEndpoint>())}; found '{Endpoint}'.");
        return base.Validate();
    }

    public static OnnxEndpoint? ParseEndpoint(string text) => text.ToLowerInvariant() switch
    {
        "logits" => OnnxEndpoint.Logits,
        "features" => OnnxEndpoint.PooledFeatures,
        _ => Enum.TryParse<I3DEndpoint>(text, ignoreCase: true, out var layer) && Enum.IsDefined(layer) ? OnnxEndpoint.FromLayer(layer) : null,
    };
}

/// <summary><c>i3d export</c>: a model to ONNX.</summary>
internal sealed class ExportCommand(ToolEnvironment environment) : AsyncCommand<ExportSettings>
{
    public override Task<int> ExecuteAsync(CommandContext context, ExportSettings settings, CancellationToken cancellationToken) =>
        Task.Run(() => Execute(settings, cancellationToken), cancellationToken);

    private int Execute(ExportSettings settings, CancellationToken cancellationToken)
    {
        var (module, classes, source) = Open(settings, cancellationToken);
        using var _ = module;
        var options = new OnnxExportOptions
        {
            Frames = settings.Frames,
            Height = settings.Size,
            Width = settings.Size,
            Opset = settings.Opset,
            FoldBatchNorm = !settings.NoFoldBatchNorm,
            DynamicBatch = !settings.StaticBatch,
            Endpoint = ExportSettings.ParseEndpoint(settings.Endpoint)!.Value,
            ClassNames = classes,
            SourceWeights = source,
        };
        var output = Path.GetFullPath(settings.Out);
        switch (module)
        {
            case TwoStreamI3D two:
                OnnxExport.Export(two, output, options);
                break;
            case InceptionI3D one:
                OnnxExport.Export(one, output, options);
                break;
        }
        environment.WriteLine($"exported {source} ({module.GetType().Name}, output '{options.Endpoint}', clips {settings.Frames}x{settings.Size}x{settings.Size}) "
            + $"to {output} ({new FileInfo(output).Length / 1e6:F1} MB)");
        return ExitCodes.Ok;
    }

    private static (TorchSharp.torch.nn.Module Module, IReadOnlyList<string>? Classes, string Source) Open(ExportSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Model is { } path)
        {
            var names = settings.Classes is { } file ? I3DModelFile.ReadClassNames(file) : null;
            var loaded = I3DModelFile.Load(path, names);
            return (loaded.Module, loaded.ClassNames, loaded.Description);
        }
        var weights = PretrainedNames.GetClassifier(settings.Pretrained!);
        var options = PretrainedNames.Options(settings.Cache, settings.Offline);
        TorchSharp.torch.nn.Module module = weights.Streams is { Count: 2 }
            ? TwoStreamI3D.FromPretrained(weights, null, options, cancellationToken)
            : InceptionI3D.FromPretrained(weights, options, cancellationToken);
        return (module, weights.Classes, weights.Name);
    }
}
