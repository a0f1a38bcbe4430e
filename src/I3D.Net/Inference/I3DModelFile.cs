using I3D.Net.Data.Annotations;
using I3D.Net.Flow;
using I3D.Net.Models;
using I3D.Net.Training;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

/// <summary>
/// Reads an I3D classifier from the files people have: this library's safetensors, PyTorch <c>.pt/.pth</c> zip state
/// dicts (pytorch-i3d), DeepMind's TensorFlow checkpoints (<c>model.ckpt</c>) and trainer checkpoint folders. The
/// architecture (one or two streams, input channels, classes) is read from the tensors' names and shapes, so the
/// caller needs to know nothing about the file. <see cref="VideoClassifier.Load"/> and the <c>i3d</c> tool use it.
/// </summary>
public static class I3DModelFile
{
    /// <summary>
    /// Loads the model at <paramref name="path"/>: a weights file, a trainer checkpoint folder (<c>checkpoint-…</c>), or
    /// the trainer's checkpoints folder (its newest checkpoint that verifies).
    /// </summary>
    /// <param name="path">The weights file or checkpoint folder.</param>
    /// <param name="classNames">
    /// The class names; when null they come from the checkpoint (trainer checkpoints and files written by
    /// <see cref="Checkpoints.Save(nn.Module, string, IReadOnlyList{string}, FlowSettings?, IReadOnlyDictionary{string, string}?)"/>),
    /// a <c>class_map.json</c> or <c>classes.txt</c> beside the weights, or <see cref="KnownClassNames"/>.
    /// </param>
    /// <returns>The model on the CPU in eval mode, with its class names (dispose it).</returns>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The weights are not an I3D classifier, fail verification, or carry no class names and none were given.</exception>
    public static LoadedI3DModel Load(string path, IReadOnlyList<string>? classNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full) && !File.Exists(Path.Combine(full, CheckpointStore.StateFileName)) && new CheckpointStore(full).List().Count > 0)
        {
            // The trainer's checkpoints folder: the newest checkpoint that verifies.
            var latest = new CheckpointStore(full).FindLatestValid()
                         ?? throw new InvalidDataException($"No checkpoint in '{full}' verifies (each lacks a file or has a wrong SHA-256).");
            full = latest.Path;
        }
        if (Directory.Exists(full) && File.Exists(Path.Combine(full, CheckpointStore.StateFileName)))
            return LoadTrainerCheckpoint(full, classNames);
        if (!File.Exists(full) && !Directory.Exists(full) && !File.Exists(full + ".index"))
            throw new FileNotFoundException($"'{full}' does not exist: expected a weights file or a trainer checkpoint folder.", full);

        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        var detected = Checkpoints.DetectFormat(full);
        var stateDict = detected == CheckpointFormat.SafeTensors ? SafeTensorsFile.Load(full, out metadata) : Checkpoints.LoadStateDict(full);
        var format = detected switch
        {
            CheckpointFormat.SafeTensors => "safetensors",
            CheckpointFormat.TensorFlowCheckpoint => "TensorFlow checkpoint",
            _ => "PyTorch state dict",
        };
        try
        {
            var module = CreateModel(stateDict.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.shape), full);
            try
            {
                StateDictLoader.Load(module, stateDict, strict: true, full);
                module.eval();
                var names = classNames ?? (metadata.TryGetValue(Checkpoints.ClassNamesMetadataKey, out var joined) ? joined.Split('\n') : null)
                            ?? ClassNamesBeside(full, NumClasses(module));
                var flow = metadata.TryGetValue(Checkpoints.FlowSettingsMetadataKey, out var json) ? FlowSettings.FromJson(json, $"{full} ({Checkpoints.FlowSettingsMetadataKey} metadata)") : null;
                return Checked(new LoadedI3DModel(module, names, flow, full, format));
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

    /// <summary>Reads class names from a <c>class_map.json</c>, or a text file with one name per line.</summary>
    /// <param name="file">The file.</param>
    /// <returns>The names in logit order.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed (the message names it).</exception>
    public static IReadOnlyList<string> ReadClassNames(string file)
    {
        ArgumentException.ThrowIfNullOrEmpty(file);
        return file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ClassMap.Load(file).Names : ClassMap.FromLabelMapFile(file).Names;
    }

    /// <summary>The class names a model of <paramref name="numClasses"/> logits has when nothing else says: Kinetics-400 or Kinetics-600.</summary>
    /// <param name="numClasses">The number of logits.</param>
    /// <returns><see cref="KineticsClasses.Kinetics400"/> for 400, <see cref="KineticsClasses.Kinetics600"/> for 600, else <see langword="null"/>.</returns>
    public static IReadOnlyList<string>? KnownClassNames(int numClasses) => numClasses switch
    {
        400 => KineticsClasses.Kinetics400,
        600 => KineticsClasses.Kinetics600,
        _ => null,
    };

    private static LoadedI3DModel LoadTrainerCheckpoint(string folder, IReadOnlyList<string>? classNames)
    {
        var store = new CheckpointStore(Path.GetDirectoryName(folder)!);
        var state = store.ReadState(folder);
        var weights = Path.Combine(folder, CheckpointStore.WeightsFileName);
        if (!File.Exists(weights))
            throw new InvalidDataException($"Checkpoint '{folder}' has no {CheckpointStore.WeightsFileName}.");
        var header = SafeTensorsFile.ReadHeader(weights);
        var module = CreateModel(header.Tensors.ToDictionary(e => e.Name, e => e.Shape), weights);
        try
        {
            store.LoadWeights(folder, module);   // verifies the manifest's SHA-256 first
            module.eval();
            var names = classNames ?? (state.ClassNames.Count > 0 ? state.ClassNames : null) ?? ClassNamesBeside(folder, NumClasses(module));
            return Checked(new LoadedI3DModel(module, names, state.Flow, folder, $"trainer checkpoint (step {state.Step})"));
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    private static LoadedI3DModel Checked(LoadedI3DModel model)
    {
        if (model.ClassNames.Count != model.NumClasses)
            throw new InvalidDataException(
                $"'{model.Source}' holds a model of {model.NumClasses} classes, but its class names list {model.ClassNames.Count}; pass the right names.");
        return model;
    }

    /// <summary>Builds the I3D whose state-dict keys and shapes <paramref name="shapes"/> lists.</summary>
    internal static nn.Module CreateModel(IReadOnlyDictionary<string, IReadOnlyList<long>> shapes, string source)
    {
        if (shapes.TryGetValue("rgb.logits.conv3d.weight", out var rgbLogits) && shapes.ContainsKey("flow.logits.conv3d.weight"))
            return new TwoStreamI3D((int)rgbLogits[0]);
        if (shapes.TryGetValue("logits.conv3d.weight", out var logits) && shapes.TryGetValue("Conv3d_1a_7x7.conv3d.weight", out var first))
            return new InceptionI3D((int)logits[0], (int)first[1]);
        throw new InvalidDataException(
            $"'{source}' is not an I3D classifier: expected 'logits.conv3d.weight' and 'Conv3d_1a_7x7.conv3d.weight' (or both streams' under 'rgb.' and 'flow.'), "
            + $"found keys such as {string.Join(", ", shapes.Keys.Order(StringComparer.Ordinal).Take(5).Select(k => $"'{k}'"))}.");
    }

    internal static int NumClasses(nn.Module module) => module is TwoStreamI3D t ? t.NumClasses : ((InceptionI3D)module).NumClasses;

    /// <summary>The class names beside the weights (<c>class_map.json</c>, <c>classes.txt</c>), else <see cref="KnownClassNames"/>.</summary>
    internal static IReadOnlyList<string> ClassNamesBeside(string weights, int numClasses)
    {
        var folder = Directory.Exists(weights) ? weights : Path.GetDirectoryName(weights)!;
        var json = Path.Combine(folder, "class_map.json");
        if (File.Exists(json))
            return ClassMap.Load(json).Names;
        var text = Path.Combine(folder, "classes.txt");
        if (File.Exists(text))
            return ClassMap.FromLabelMapFile(text).Names;
        return KnownClassNames(numClasses) ?? throw new InvalidDataException(
            $"'{weights}' records no class names for its {numClasses} classes. Pass them to VideoClassifier.Load(path, classNames: …), "
            + "put a class_map.json or classes.txt (one name per line) beside the weights, or save the model with "
            + "Checkpoints.Save(model, path, classNames).");
    }
}
