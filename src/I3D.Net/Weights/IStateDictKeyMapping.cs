using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Translates the keys (and layouts) a model's checkpoints were saved with into the state-dict keys of a module, e.g.
/// DeepMind's kinetics-i3d TensorFlow variable names into pytorch-i3d keys. Format readers
/// (<see cref="IWeightsFormatReader"/>) know nothing of models; mappings know nothing of file formats.
/// </summary>
public interface IStateDictKeyMapping
{
    /// <summary>A short description, e.g. <c>kinetics-i3d (TensorFlow) → pytorch-i3d</c>.</summary>
    string Name { get; }

    /// <summary>Whether this mapping is for a state dict read from <paramref name="format"/> with <paramref name="keys"/>.</summary>
    /// <param name="format">The format it was read from.</param>
    /// <param name="keys">Its keys as stored.</param>
    bool AppliesTo(CheckpointFormat format, IReadOnlyCollection<string> keys);

    /// <summary>Translates a state dict; the input is not modified or disposed.</summary>
    /// <param name="source">The tensors as read.</param>
    /// <param name="sourceName">Where they came from, for error messages.</param>
    /// <returns>New tensors by module key; the caller owns them.</returns>
    /// <exception cref="InvalidDataException">The state dict is not one this mapping understands; the message names the key.</exception>
    Dictionary<string, Tensor> Map(IReadOnlyDictionary<string, Tensor> source, string sourceName);
}
