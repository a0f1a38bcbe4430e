using I3D.Net.Data.Annotations;
using I3D.Net.Models;
using I3D.Net.Training;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Samples;

/// <summary>A model read from a weights file, with its class names.</summary>
/// <param name="Module">An <see cref="InceptionI3D"/> (RGB or flow) or a <see cref="TwoStreamI3D"/>, on the CPU, in eval mode.</param>
/// <param name="ClassNames">One name per logit.</param>
/// <param name="Description">What was loaded, for the console.</param>
internal sealed record LoadedModel(nn.Module Module, IReadOnlyList<string> ClassNames, string Description) : IDisposable
{
    public TwoStreamI3D? TwoStream => Module as TwoStreamI3D;

    public InceptionI3D? SingleStream => Module as InceptionI3D;

    /// <summary>Whether the model reads RGB clips (a two-stream model or a 3-channel stream).</summary>
    public bool ReadsRgb => TwoStream is not null || SingleStream!.InChannels == 3;

    /// <summary>Whether the model reads flow clips (a two-stream model or a 2-channel stream).</summary>
    public bool ReadsFlow => TwoStream is not null || SingleStream!.InChannels == 2;

    public void Dispose() => Module.Dispose();
}

/// <summary>
/// Opens the weights files the samples accept and builds the matching model: safetensors (I3D.Net's format, also what
/// the demo and FineTune export), PyTorch <c>.pt/.pth</c> zip state dicts (pytorch-i3d), DeepMind's TensorFlow
/// checkpoints (<c>model.ckpt</c> / <c>.index</c>) and I3D.Net trainer checkpoint folders. The architecture (one or two
/// streams, input channels, classes) is read from the tensors' names and shapes.
/// </summary>
internal static class ModelFiles
{
    /// <summary>Loads <paramref name="path"/>; class names come from <paramref name="classNamesFile"/>, the file's own metadata, a
    /// <c>class_map.json</c>/<c>classes.txt</c> beside it, or Kinetics-400/600 for 400/600 logits, in that order.</summary>
    public static LoadedModel Load(string path, string? classNamesFile = null, InceptionI3DOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        IReadOnlyList<string>? metadataNames = null;
        Dictionary<string, Tensor> stateDict;
        string format;
        if (Directory.Exists(path) && File.Exists(Path.Combine(path, CheckpointStore.StateFileName)))
            return LoadTrainerCheckpoint(path, classNamesFile, options);
        // The library recognises the format by content: safetensors, PyTorch zip or legacy files, TensorFlow checkpoints.
        var detected = Checkpoints.DetectFormat(path);
        if (detected == CheckpointFormat.SafeTensors)
        {
            stateDict = SafeTensorsFile.Load(path, out var metadata);
            if (metadata.TryGetValue("classes", out var names))
                metadataNames = names.Split('\n');
        }
        else
        {
            stateDict = Checkpoints.LoadStateDict(path);
        }
        format = detected switch
        {
            CheckpointFormat.SafeTensors => "safetensors",
            CheckpointFormat.TensorFlowCheckpoint => "TensorFlow checkpoint (kinetics-i3d)",
            _ => "PyTorch state dict",
        };

        try
        {
            var module = Create(stateDict, path, options);
            try
            {
                StateDictLoader.Load(module, stateDict, strict: true, path);
                module.eval();
                var classes = ClassNames(NumClasses(module), path, classNamesFile, metadataNames);
                return new LoadedModel(module, classes, $"{Describe(module)} from {format} '{path}'");
            }
            catch
            {
                module.Dispose();
                throw;
            }
        }
        finally
        {
            foreach (var t in stateDict.Values) t.Dispose();
        }
    }

    private static LoadedModel LoadTrainerCheckpoint(string folder, string? classNamesFile, InceptionI3DOptions? options)
    {
        var store = new CheckpointStore(Path.GetDirectoryName(Path.GetFullPath(folder))!);
        var state = store.ReadState(folder);
        var numClasses = state.ClassNames.Count;
        // A trainer checkpoint holds the module's state dict; try the two architectures the samples train.
        foreach (var candidate in new Func<nn.Module>[] { () => new TwoStreamI3D(numClasses, options), () => new InceptionI3D(numClasses, 3, options), () => new InceptionI3D(numClasses, 2, options) })
        {
            var module = candidate();
            try
            {
                store.LoadWeights(folder, module);
                module.eval();
                var classes = classNamesFile is null ? state.ClassNames : ClassNames(numClasses, folder, classNamesFile, null);
                return new LoadedModel(module, classes, $"{Describe(module)} from trainer checkpoint '{folder}' (step {state.Step})");
            }
            catch (InvalidDataException)
            {
                module.Dispose();
            }
        }
        throw new InvalidDataException($"Checkpoint '{folder}' holds neither a TwoStreamI3D nor an InceptionI3D of {numClasses} classes.");
    }

    /// <summary>Builds the model whose state-dict keys and shapes <paramref name="stateDict"/> has.</summary>
    public static nn.Module Create(IReadOnlyDictionary<string, Tensor> stateDict, string source, InceptionI3DOptions? options = null)
    {
        if (stateDict.ContainsKey("rgb.logits.conv3d.weight") && stateDict.ContainsKey("flow.logits.conv3d.weight"))
            return new TwoStreamI3D((int)stateDict["rgb.logits.conv3d.weight"].shape[0], options);
        if (!stateDict.TryGetValue("logits.conv3d.weight", out var logits) || !stateDict.TryGetValue("Conv3d_1a_7x7.conv3d.weight", out var first))
            throw new InvalidDataException(
                $"'{source}' is not an I3D state dict: expected 'logits.conv3d.weight' and 'Conv3d_1a_7x7.conv3d.weight' (or the same under 'rgb.'/'flow.'), "
                + $"found keys such as {string.Join(", ", stateDict.Keys.Take(5))}.");
        return new InceptionI3D((int)logits.shape[0], (int)first.shape[1], options);
    }

    private static int NumClasses(nn.Module module) => module switch
    {
        TwoStreamI3D t => t.NumClasses,
        InceptionI3D m => m.NumClasses,
        _ => throw new ArgumentException($"Unexpected module {module.GetType().Name}."),
    };

    private static string Describe(nn.Module module) => module switch
    {
        TwoStreamI3D t => $"TwoStreamI3D ({t.NumClasses} classes)",
        InceptionI3D m => $"InceptionI3D {(m.InChannels == 3 ? "RGB" : "flow")} ({m.NumClasses} classes)",
        _ => module.GetType().Name,
    };

    private static IReadOnlyList<string> ClassNames(int numClasses, string weights, string? explicitFile, IReadOnlyList<string>? fromMetadata)
    {
        IReadOnlyList<string>? names = null;
        if (explicitFile is not null)
            names = ReadClassNames(explicitFile);
        else if (fromMetadata is not null)
            names = fromMetadata;
        else
        {
            var folder = Directory.Exists(weights) ? weights : Path.GetDirectoryName(Path.GetFullPath(weights))!;
            foreach (var candidate in new[] { "class_map.json", "classes.txt" })
            {
                var file = Path.Combine(folder, candidate);
                if (File.Exists(file))
                {
                    names = ReadClassNames(file);
                    break;
                }
            }
            names ??= numClasses switch
            {
                400 => KineticsClasses.Kinetics400,
                600 => KineticsClasses.Kinetics600,
                _ => Enumerable.Range(0, numClasses).Select(i => $"class {i}").ToArray(),
            };
        }
        if (names.Count != numClasses)
            throw new InvalidDataException($"The model has {numClasses} classes, but the class names ({explicitFile ?? "found beside the weights"}) list {names.Count}.");
        return names;
    }

    /// <summary>Reads class names from a <c>class_map.json</c> or a text file with one name per line.</summary>
    public static IReadOnlyList<string> ReadClassNames(string file) =>
        file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ClassMap.Load(file).Names : ClassMap.FromLabelMapFile(file).Names;
}
