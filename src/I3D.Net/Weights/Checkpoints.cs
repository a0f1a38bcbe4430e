using I3D.Net.Weights.SafeTensors;
using I3D.Net.Weights.TensorFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// One entry point for checkpoint files: recognises the format from the content (never from the extension alone),
/// reads it as a state dict, and loads it into a module with full key, shape and dtype checks.
/// </summary>
/// <remarks>
/// Nothing here executes code from a file: safetensors and TensorFlow checkpoints are plain data, PyTorch files are
/// read by a data-only pickle reader, and plain pickles (or PyTorch files that would need code) are refused with
/// instructions to convert them.
/// </remarks>
public static class Checkpoints
{
    /// <summary>Recognises a checkpoint's format by its content: each registered reader (<see cref="CheckpointFormat"/>) is asked in turn.</summary>
    /// <param name="path">A file, a TensorFlow checkpoint prefix (<c>model.ckpt</c>) or a folder holding one TensorFlow checkpoint.</param>
    /// <returns>The format, or <see cref="CheckpointFormat.Unknown"/>.</returns>
    /// <exception cref="FileNotFoundException">Nothing exists at <paramref name="path"/>.</exception>
    public static CheckpointFormat DetectFormat(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path) && !Directory.Exists(path) && !File.Exists(path + ".index"))
        {
            throw new FileNotFoundException($"Checkpoint '{path}' does not exist.", path);
        }

        var probe = WeightsFileProbe.Create(path);
        foreach (var (format, reader) in WeightsFormatReaders.All)
        {
            if (reader.Detect(probe))
            {
                return format;
            }
        }

        return CheckpointFormat.Unknown;
    }

    /// <summary>
    /// Reads a checkpoint as a state dict on the CPU: the format's reader (<see cref="IWeightsFormatReader"/>) reads it
    /// with the keys as stored, then the first registered key mapping that fits translates them — DeepMind kinetics-i3d
    /// TensorFlow checkpoints to pytorch-i3d keys (<c>KineticsI3DKeyMapping</c>, registered beside the model); safetensors and PyTorch state
    /// dicts, zip or legacy (see <see cref="PyTorchStateDict"/>), stay as stored.
    /// </summary>
    /// <param name="path">The checkpoint file, TensorFlow prefix or folder.</param>
    /// <returns>The tensors by key; the caller owns them.</returns>
    /// <exception cref="FileNotFoundException">The checkpoint (or a part of it) is missing, or a folder holds no single TensorFlow checkpoint.</exception>
    /// <exception cref="InvalidDataException">
    /// The file is corrupt, of an unknown format, a plain pickle, or a legacy PyTorch file that cannot be read without
    /// running code (with instructions to convert it).
    /// </exception>
    public static Dictionary<string, Tensor> LoadStateDict(string path) => LoadStateDict(path, null, null);

    /// <summary>Reads a checkpoint as a state dict on the CPU with explicit read limits and key mapping.</summary>
    /// <param name="path">The checkpoint file, TensorFlow prefix or folder.</param>
    /// <param name="options">Read limits; <see cref="WeightsReadOptions.Default"/> when null.</param>
    /// <param name="mapping">The key mapping to apply; when null, the first registered one that fits the keys, if any.</param>
    /// <returns>The tensors by key; the caller owns them.</returns>
    /// <exception cref="FileNotFoundException">The checkpoint (or a part of it) is missing.</exception>
    /// <exception cref="InvalidDataException">The file is corrupt, of an unknown format or refused; the message says why.</exception>
    public static Dictionary<string, Tensor> LoadStateDict(string path, WeightsReadOptions? options, IStateDictKeyMapping? mapping = null)
    {
        options ??= WeightsReadOptions.Default;
        options.Validate();
        var format = DetectFormat(path);
        if (format == CheckpointFormat.Unknown && Directory.Exists(path))
        {
            // Let the TensorFlow resolver say what the folder lacks (no .index file, or several to choose from).
            _ = TensorFlowCheckpoint.Open(path);
        }

        var reader = WeightsFormatReaders.For(format) ?? throw UnknownFormat(path);
        var stored = reader.Read(path, options);
        mapping ??= StateDictKeyMappings.Find(format, stored.Keys);
        if (mapping is null)
        {
            return stored;
        }

        try
        {
            return mapping.Map(stored, path);
        }
        finally
        {
            foreach (var t in stored.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Reads a checkpoint of any supported format and loads it into <paramref name="module"/>; see <see cref="StateDictLoader"/> for the checks.</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="path">The checkpoint file, TensorFlow prefix or folder.</param>
    /// <param name="strict">When <see langword="true"/>, missing or unexpected keys are an error.</param>
    /// <returns>Which keys were loaded, missing, unexpected and converted.</returns>
    /// <exception cref="FileNotFoundException">The checkpoint (or a part of it) is missing.</exception>
    /// <exception cref="InvalidDataException">The checkpoint is corrupt, unsupported, or does not fit the module; nothing is copied.</exception>
    public static StateDictLoadResult Load(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var stateDict = LoadStateDict(path);
        try
        {
            return StateDictLoader.Load(module, stateDict, strict, path);
        }
        finally
        {
            foreach (var t in stateDict.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Saves a module's state dict in I3D.Net's default format, safetensors, atomically.</summary>
    /// <param name="module">The module.</param>
    /// <param name="path">The destination file; its folder must exist.</param>
    /// <param name="metadata">Optional string metadata for the file's <c>__metadata__</c>.</param>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null) =>
        StateDictLoader.Save(module, path, metadata);

    /// <summary>The safetensors metadata key of the class names: one name per line, in logit order.</summary>
    public const string ClassNamesMetadataKey = "classes";

    /// <summary>The safetensors metadata key of a flow model's training-flow settings (<see cref="Flow.FlowSettings"/> as JSON).</summary>
    public const string FlowSettingsMetadataKey = "flow";

    /// <summary>
    /// Saves a classifier in safetensors with its class names (and, for a flow or two-stream model, how its training
    /// flow was made), so that <c>VideoClassifier.Load</c> needs nothing else.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <param name="path">The destination file; its folder must exist.</param>
    /// <param name="classNames">One name per class, in logit order (no line breaks in a name).</param>
    /// <param name="flow">How the flow the model was trained on was made, or null.</param>
    /// <param name="metadata">Further string metadata.</param>
    /// <exception cref="ArgumentException">A class name is empty or contains a line break.</exception>
    public static void Save(nn.Module module, string path, IReadOnlyList<string> classNames, Flow.FlowSettings? flow = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(classNames);
        if (classNames.FirstOrDefault(n => string.IsNullOrEmpty(n) || n.Contains('\n') || n.Contains('\r')) is { } bad)
            throw new ArgumentException($"Class names must be non-empty and on one line; found '{bad}'.", nameof(classNames));
        var all = metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(metadata);
        all[ClassNamesMetadataKey] = string.Join("\n", classNames);
        if (flow is not null)
            all[FlowSettingsMetadataKey] = flow.ToJson();
        StateDictLoader.Save(module, path, all);
    }

    private static InvalidDataException UnknownFormat(string path)
    {
        var head = LegacyPyTorchFile.ReadHead(path);
        var shown = Convert.ToHexString(head.AsSpan(0, Math.Min(8, head.Length)));
        return new InvalidDataException(
            $"'{path}' is not a checkpoint format I3D.Net reads (first bytes {shown}). Supported: safetensors (8-byte header length, then JSON), " +
            "TensorFlow checkpoints (pass the model.ckpt prefix, its .index file or its folder) and PyTorch zip archives. " +
            "TorchSharp's own Module.save() format holds no names to check; load it with Module.load().");
    }
}
