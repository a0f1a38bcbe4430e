using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>
/// Reads one on-disk weights format: recognises it from the content and reads it as a state dict with the keys as
/// stored. Key names belonging to a particular model are translated afterwards by an <see cref="IStateDictKeyMapping"/>.
/// A reader is registered by the <see cref="CheckpointFormat"/> member that names its format
/// (<see cref="WeightsFormatReaderAttribute{TReader}"/>).
/// </summary>
public interface IWeightsFormatReader
{
    /// <summary>Whether the file (or folder) is in this reader's format, judged from its content.</summary>
    /// <param name="probe">The path with its first bytes and length.</param>
    bool Detect(WeightsFileProbe probe);

    /// <summary>Reads the weights onto the CPU, keys as stored.</summary>
    /// <param name="path">The path <see cref="Detect"/> accepted.</param>
    /// <param name="options">Limits that keep a small or corrupt file from costing much memory or time.</param>
    /// <returns>New tensors by key; the caller owns them.</returns>
    /// <exception cref="InvalidDataException">The file is corrupt or exceeds a limit; the message names the file and, where there is one, the key.</exception>
    Dictionary<string, Tensor> Read(string path, WeightsReadOptions options);
}
