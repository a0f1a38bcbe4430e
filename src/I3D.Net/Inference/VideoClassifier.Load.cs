using I3D.Net.Data.Annotations;
using I3D.Net.Flow;
using I3D.Net.Models;
using I3D.Net.Training;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

public sealed partial class VideoClassifier
{
    /// <summary>
    /// Loads a classifier saved by this library or published elsewhere: a trainer checkpoint folder
    /// (<c>checkpoint-…</c>, or the checkpoints folder itself: its newest valid checkpoint), or a weights file
    /// (safetensors, PyTorch <c>.pt/.pth</c>, DeepMind TensorFlow checkpoints). The architecture (RGB, flow or
    /// two-stream; number of classes) is read from the weights.
    /// </summary>
    /// <param name="path">The checkpoint folder or weights file.</param>
    /// <param name="options">How videos are prepared; <see cref="VideoClassifierOptions.Default"/> when null.</param>
    /// <param name="classNames">
    /// The class names, when the weights carry none. Otherwise they come from the checkpoint (trainer checkpoints and
    /// files written by <see cref="Checkpoints.Save(nn.Module, string, IReadOnlyList{string}, FlowSettings?, IReadOnlyDictionary{string, string}?)"/>),
    /// a <c>class_map.json</c> or <c>classes.txt</c> beside the weights, or Kinetics-400/600 for 400/600 classes.
    /// </param>
    /// <returns>A classifier that owns its model (dispose it).</returns>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The weights are not an I3D classifier, fail verification, or carry no class names and none were given.</exception>
    public static VideoClassifier Load(string path, VideoClassifierOptions? options = null, IReadOnlyList<string>? classNames = null)
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
            return LoadTrainerCheckpoint(full, options, classNames);
        if (!File.Exists(full) && !Directory.Exists(full) && !File.Exists(full + ".index"))
            throw new FileNotFoundException($"'{full}' does not exist: expected a weights file or a trainer checkpoint folder.", full);

        IReadOnlyDictionary<string, string> metadata = new Dictionary<string, string>();
        var stateDict = Checkpoints.DetectFormat(full) == CheckpointFormat.SafeTensors
            ? SafeTensorsFile.Load(full, out metadata)
            : Checkpoints.LoadStateDict(full);
        try
        {
            var module = CreateModel(stateDict.ToDictionary(p => p.Key, p => (IReadOnlyList<long>)p.Value.shape), full);
            try
            {
                StateDictLoader.Load(module, stateDict, strict: true, full);
                var names = classNames ?? (metadata.TryGetValue(Checkpoints.ClassNamesMetadataKey, out var joined) ? joined.Split('\n') : null)
                            ?? ClassNamesBeside(full, NumClasses(module));
                var flow = metadata.TryGetValue(Checkpoints.FlowSettingsMetadataKey, out var json) ? FlowSettings.FromJson(json, $"{full} ({Checkpoints.FlowSettingsMetadataKey} metadata)") : null;
                return Create(module, names, options, flow, full);
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

    private static VideoClassifier LoadTrainerCheckpoint(string folder, VideoClassifierOptions? options, IReadOnlyList<string>? classNames)
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
            var names = classNames ?? (state.ClassNames.Count > 0 ? state.ClassNames : null) ?? ClassNamesBeside(folder, NumClasses(module));
            return Create(module, names, options, state.Flow, folder);
        }
        catch
        {
            module.Dispose();
            throw;
        }
    }

    private static VideoClassifier Create(nn.Module module, IReadOnlyList<string> names, VideoClassifierOptions? options, FlowSettings? flow, string source)
    {
        if (names.Count != NumClasses(module))
            throw new InvalidDataException(
                $"'{source}' holds a model of {NumClasses(module)} classes, but its class names list {names.Count}; pass the right names to VideoClassifier.Load.");
        return new VideoClassifier(module, names, options, flow, ownsModel: true);
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

    private static int NumClasses(nn.Module module) => module is TwoStreamI3D t ? t.NumClasses : ((InceptionI3D)module).NumClasses;

    private static IReadOnlyList<string> ClassNamesBeside(string weights, int numClasses)
    {
        var folder = Directory.Exists(weights) ? weights : Path.GetDirectoryName(weights)!;
        var json = Path.Combine(folder, "class_map.json");
        if (File.Exists(json))
            return ClassMap.Load(json).Names;
        var text = Path.Combine(folder, "classes.txt");
        if (File.Exists(text))
            return ClassMap.FromLabelMapFile(text).Names;
        return numClasses switch
        {
            400 => KineticsClasses.Kinetics400,
            600 => KineticsClasses.Kinetics600,
            _ => throw new InvalidDataException(
                $"'{weights}' records no class names for its {numClasses} classes. Pass them to VideoClassifier.Load(path, classNames: …), "
                + "put a class_map.json or classes.txt (one name per line) beside the weights, or save the model with "
                + "Checkpoints.Save(model, path, classNames)."),
        };
    }
}
