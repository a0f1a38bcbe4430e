using I3D.Net.Weights.SafeTensors;
using I3D.Net.Weights.TensorFlow;

namespace I3D.Net.Weights;

/// <summary>
/// The on-disk format of a set of weights, as recognised from its content by <see cref="Checkpoints.DetectFormat"/>.
/// Each member names its reader (<see cref="WeightsFormatReaderAttribute{TReader}"/>): this enum is the one place
/// formats are registered, and detection asks the readers in declaration order (fallbacks last).
/// </summary>
public enum CheckpointFormat
{
    /// <summary>Not a format I3D.Net recognises.</summary>
    Unknown,

    /// <summary>A safetensors file (I3D.Net's default).</summary>
    [WeightsFormatReader<SafeTensorsReader>] SafeTensors,

    /// <summary>A TensorFlow V2 checkpoint: a <c>.index</c> table plus <c>.data-NNNNN-of-MMMMM</c> shards.</summary>
    [WeightsFormatReader<TensorFlowCheckpointReader>] TensorFlowCheckpoint,

    /// <summary>A PyTorch zip archive (<c>torch.save</c> since PyTorch 1.6; <c>.pt</c>/<c>.pth</c>).</summary>
    [WeightsFormatReader<PyTorchZipReader>(Fallback = true)] PyTorchZip,

    /// <summary>A legacy PyTorch file (pre-1.6 pickle stream, or the older tar format); plain state dicts are read by a data-only pickle reader.</summary>
    [WeightsFormatReader<PyTorchLegacyReader>] PyTorchLegacy,

    /// <summary>A plain Python pickle; never loaded, because unpickling can run code.</summary>
    [WeightsFormatReader<PythonPickleReader>] PythonPickle,

    /// <summary>A NumPy <c>.npz</c> state dict: a zip of <c>&lt;key&gt;.npy</c> arrays (<c>numpy.savez</c>).</summary>
    [WeightsFormatReader<NumPyZipReader>] NumPyZip,
}
