using System.ComponentModel;
using I3D.Net.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace I3D.Net.Tool;

/// <summary>Options of the commands that run a model: where it comes from, and on which device.</summary>
internal class ModelSettings : CommandSettings
{
    [CommandOption("--pretrained <NAME>")]
    [Description("Published weights by name (see 'i3d weights list'; 'kinetics400' is the two-stream Kinetics-400 model): downloaded once, verified, cached.")]
    public string? Pretrained { get; init; }

    [CommandOption("-m|--model <PATH>")]
    [Description("A model file (.safetensors, .pt/.pth, TensorFlow model.ckpt) or a trainer checkpoint folder; the architecture is read from the file.")]
    public string? Model { get; init; }

    [CommandOption("--classes <FILE>")]
    [Description("Class names: class_map.json or one name per line (default: from the model, beside it, or Kinetics for 400/600 classes).")]
    public string? Classes { get; init; }

    [CommandOption("--cache <DIR>")]
    [Description("The weights cache folder for --pretrained (default: 'i3d weights path').")]
    public string? Cache { get; init; }

    [CommandOption("--offline")]
    [Description("Never download: --pretrained weights must be in the cache.")]
    public bool Offline { get; init; }

    [CommandOption("--device <DEVICE>")]
    [Description("auto (CUDA when available), cpu or cuda.")]
    [DefaultValue(ComputeDevice.Auto)]
    public ComputeDevice Device { get; init; } = ComputeDevice.Auto;

    public override ValidationResult Validate()
    {
        if ((Pretrained is null) == (Model is null))
            return ValidationResult.Error("Give the model with either --pretrained <NAME> or --model <PATH> (exactly one).");
        if (Model is not null && !File.Exists(Model) && !Directory.Exists(Model) && !File.Exists(Model + ".index"))
            return ValidationResult.Error($"--model '{Model}' does not exist.");
        if (Classes is not null && !File.Exists(Classes))
            return ValidationResult.Error($"--classes '{Classes}' does not exist.");
        return base.Validate();
    }
}
