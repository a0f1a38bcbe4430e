using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Copies a state dict into a module after checking every key, shape and dtype against the module's own
/// <c>state_dict()</c> — before anything is copied, so a bad checkpoint never leaves a half-loaded model — and
/// saves a module's state dict as safetensors.
/// </summary>
/// <remarks>
/// Unlike TorchSharp's <c>load_state_dict</c>, errors name every missing, unexpected and mismatched key. Values are
/// copied in place under <c>torch.no_grad()</c>, so parameters keep their identity, device and <c>requires_grad</c>,
/// and optimizers created earlier stay valid. Floating-point sources (f16, bf16, f32, f64) are converted to the
/// model's floating dtype and integer sources to its integer dtype; other dtype changes are rejected.
/// As in PyTorch, a missing BatchNorm <c>num_batches_tracked</c> counter (absent from checkpoints written by old
/// PyTorch versions and by TensorFlow) does not fail strict loading; the counter keeps its value and is listed in
/// <see cref="StateDictLoadResult.Missing"/>.
/// </remarks>
public static class StateDictLoader
{
    private const int MaxNamesInMessage = 40;
    private const string BatchCounterSuffix = "num_batches_tracked";

    /// <summary>Checks <paramref name="source"/> against <paramref name="module"/> and copies it in.</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="source">Tensors keyed by state-dict name (any device).</param>
    /// <param name="strict">When <see langword="true"/>, missing or unexpected keys are an error; otherwise they are reported in the result.</param>
    /// <param name="sourceName">A name for the source (usually its file) used in error messages.</param>
    /// <returns>Which keys were loaded, missing, unexpected and converted.</returns>
    /// <exception cref="InvalidDataException">
    /// A shape or dtype does not match, or (when <paramref name="strict"/>) keys are missing or unexpected.
    /// The message names every offending key; the module is left unchanged.
    /// </exception>
    public static StateDictLoadResult Load(nn.Module module, IReadOnlyDictionary<string, Tensor> source, bool strict = true, string? sourceName = null)
    {
        var (result, target) = CheckCore(module, source, strict, sourceName);
        using (torch.no_grad())
        {
            foreach (var key in result.Loaded)
            {
                // copy_ converts dtype and device and keeps the destination tensor (and its requires_grad).
                target[key].copy_(source[key]);
            }
        }

        return result;
    }

    /// <summary>
    /// Runs every check of <see cref="Load(nn.Module, IReadOnlyDictionary{string, Tensor}, bool, string?)"/> without
    /// copying anything, e.g. to validate several sources before loading any of them.
    /// </summary>
    /// <param name="module">The module the source is meant for.</param>
    /// <param name="source">Tensors keyed by state-dict name.</param>
    /// <param name="strict">When <see langword="true"/>, missing or unexpected keys are an error.</param>
    /// <param name="sourceName">A name for the source used in error messages.</param>
    /// <returns>What a load would copy, and which keys are missing, unexpected or converted.</returns>
    /// <exception cref="InvalidDataException">The source does not fit the module; the message names every offending key.</exception>
    public static StateDictLoadResult Check(nn.Module module, IReadOnlyDictionary<string, Tensor> source, bool strict = true, string? sourceName = null) =>
        CheckCore(module, source, strict, sourceName).Result;

    private static (StateDictLoadResult Result, Dictionary<string, Tensor> Target) CheckCore(
        nn.Module module, IReadOnlyDictionary<string, Tensor> source, bool strict, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(source);

        var target = module.state_dict();
        var loaded = new List<string>();
        var missing = new List<string>();
        var converted = new List<string>();
        var problems = new List<string>();
        (long Source, long Model)? logitsClasses = null;

        foreach (var (key, destination) in target)
        {
            if (!source.TryGetValue(key, out var value))
            {
                missing.Add(key);
                continue;
            }

            if (value is null)
            {
                problems.Add($"'{key}' is null in the source");
                continue;
            }

            if (!value.shape.SequenceEqual(destination.shape))
            {
                problems.Add($"shape mismatch for '{key}': the model expects {Format(destination.shape)}, the source has {Format(value.shape)}");
                if (IsLogits(key) && value.shape.Length == destination.shape.Length && value.shape.Length > 0)
                {
                    logitsClasses ??= (value.shape[0], destination.shape[0]);
                }

                continue;
            }

            if (value.dtype != destination.dtype)
            {
                if (!CanConvert(value.dtype, destination.dtype))
                {
                    problems.Add($"dtype mismatch for '{key}': the model expects {destination.dtype}, the source has {value.dtype}, which cannot be converted safely");
                    continue;
                }

                converted.Add(key);
            }

            loaded.Add(key);
        }

        var unexpected = source.Keys.Where(k => !target.ContainsKey(k)).ToList();
        var fatalMissing = missing.Where(k => !IsBatchCounter(k)).ToList();
        if (strict)
        {
            if (fatalMissing.Count > 0)
            {
                problems.Insert(0, $"{fatalMissing.Count} missing key(s): {Names(fatalMissing)}");
            }

            if (unexpected.Count > 0)
            {
                problems.Insert(fatalMissing.Count > 0 ? 1 : 0, $"{unexpected.Count} unexpected key(s): {Names(unexpected)}");
            }
        }

        if (logitsClasses is var (sourceClasses, modelClasses))
        {
            problems.Add(
                $"the source's logits have {sourceClasses} classes and the model's {modelClasses}: to fine-tune these weights on " +
                $"{modelClasses} classes, create the model with {sourceClasses} classes, load the weights, then call " +
                $"ReplaceLogits({modelClasses})");
        }

        if (TwoStreamHint(module, unexpected) is { } twoStream)
        {
            problems.Add(twoStream);
        }
        else if (strict && PrefixHint(missing, unexpected) is { } hint)
        {
            problems.Add(hint);
        }

        if (problems.Count > 0)
        {
            var from = sourceName is null ? "the state dict" : $"'{sourceName}'";
            throw new InvalidDataException(
                $"Cannot load {from} into {module.GetType().Name}; nothing was copied. " + string.Join("; ", problems) + ".");
        }

        return (new StateDictLoadResult(loaded.AsReadOnly(), missing.AsReadOnly(), unexpected.AsReadOnly(), converted.AsReadOnly()), target);
    }

    /// <summary>Loads a safetensors file into <paramref name="module"/> with the checks of <see cref="Load(nn.Module, IReadOnlyDictionary{string, Tensor}, bool, string?)"/>.</summary>
    /// <param name="module">The module to fill.</param>
    /// <param name="path">A safetensors file.</param>
    /// <param name="strict">When <see langword="true"/>, missing or unexpected keys are an error.</param>
    /// <returns>Which keys were loaded, missing, unexpected and converted.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is malformed or does not fit the module; the message names the file and the keys.</exception>
    public static StateDictLoadResult LoadSafeTensors(nn.Module module, string path, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        var tensors = SafeTensorsFile.Load(path);
        try
        {
            return Load(module, tensors, strict, path);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    /// <summary>Saves the module's state dict (parameters and persistent buffers) as a safetensors file, atomically.</summary>
    /// <param name="module">The module to save.</param>
    /// <param name="path">The destination file; its folder must exist.</param>
    /// <param name="metadata">Optional string metadata stored in the file's <c>__metadata__</c>.</param>
    public static void Save(nn.Module module, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        SafeTensorsFile.Save(path, module.state_dict(), metadata);
    }

    /// <summary>Whether a value of <paramref name="from"/> may be loaded into a tensor of <paramref name="to"/> without losing its meaning.</summary>
    /// <param name="from">The source dtype.</param>
    /// <param name="to">The model's dtype.</param>
    /// <returns><see langword="true"/> for floating→floating and integer→integer.</returns>
    public static bool CanConvert(ScalarType from, ScalarType to) =>
        from == to || (IsFloating(from) && IsFloating(to)) || (IsInteger(from) && IsInteger(to));

    private static bool IsFloating(ScalarType t) =>
        t is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;

    private static bool IsInteger(ScalarType t) =>
        t is ScalarType.Byte or ScalarType.Int8 or ScalarType.Int16 or ScalarType.Int32 or ScalarType.Int64;

    private static bool IsBatchCounter(string key) =>
        key == BatchCounterSuffix || key.EndsWith("." + BatchCounterSuffix, StringComparison.Ordinal);

    // The logits layer of an I3D model or either stream of a two-stream one ("logits.conv3d.weight", "rgb.logits...").
    private static bool IsLogits(string key) =>
        key.StartsWith("logits.", StringComparison.Ordinal) || key.Contains(".logits.", StringComparison.Ordinal);

    // A TwoStreamI3D checkpoint (keys "rgb.*" and "flow.*") loaded into one stream's model (a module with "rgb" and
    // "flow" children is a two-stream model itself; told by its children so that this folder names no model type).
    private static string? TwoStreamHint(nn.Module module, List<string> unexpected)
    {
        if (unexpected.Count == 0 || module.named_children().Count(c => c.name is "rgb" or "flow") == 2)
        {
            return null;
        }

        var rgb = unexpected.Any(k => k.StartsWith("rgb.", StringComparison.Ordinal));
        var flow = unexpected.Any(k => k.StartsWith("flow.", StringComparison.Ordinal));
        if (!rgb || !flow)
        {
            return null;
        }

        return $"the source is a two-stream (TwoStreamI3D) checkpoint, with 'rgb.' and 'flow.' keys, and {module.GetType().Name} is one " +
               "stream: load it into a TwoStreamI3D, or load only the keys of one stream with the 'rgb.' or 'flow.' prefix removed";
    }

    // The most common cause of "everything missing, everything unexpected": keys that differ by one leading scope,
    // e.g. "module." from DataParallel, or "rgb."/"flow." of a two-stream model.
    private static string? PrefixHint(List<string> missing, List<string> unexpected)
    {
        if (missing.Count == 0 || unexpected.Count == 0)
        {
            return null;
        }

        if (CommonScope(unexpected) is { } extra && missing.All(m => unexpected.Contains(extra + m)))
        {
            return $"every source key carries an extra '{extra}' prefix: strip it, or load into the sub-module it belongs to";
        }

        if (CommonScope(missing) is { } lacking && missing.All(m => m.StartsWith(lacking, StringComparison.Ordinal)) &&
            unexpected.All(u => missing.Contains(lacking + u)))
        {
            return $"the model's keys start with '{lacking}' but the source's do not: load into that sub-module instead";
        }

        return null;
    }

    private static string? CommonScope(List<string> keys)
    {
        var dot = keys[0].IndexOf('.');
        if (dot <= 0)
        {
            return null;
        }

        var scope = keys[0][..(dot + 1)];
        return keys.All(k => k.StartsWith(scope, StringComparison.Ordinal)) ? scope : null;
    }

    private static string Format(long[] shape) => "[" + string.Join(", ", shape) + "]";

    private static string Names(IReadOnlyCollection<string> names)
    {
        var shown = string.Join(", ", names.Take(MaxNamesInMessage).Select(n => $"'{n}'"));
        return names.Count > MaxNamesInMessage ? $"{shown} and {names.Count - MaxNamesInMessage} more" : shown;
    }
}
