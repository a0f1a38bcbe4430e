namespace I3D.Net.Weights;

/// <summary>The on-disk format of a checkpoint, as recognised from its content by <see cref="Checkpoints.DetectFormat"/>.</summary>
public enum CheckpointFormat
{
    /// <summary>Not a format I3D.Net recognises.</summary>
    Unknown,

    /// <summary>A safetensors file (I3D.Net's default).</summary>
    SafeTensors,

    /// <summary>A TensorFlow V2 checkpoint: a <c>.index</c> table plus <c>.data-NNNNN-of-MMMMM</c> shards.</summary>
    TensorFlowCheckpoint,

    /// <summary>A PyTorch zip archive (<c>torch.save</c> since PyTorch 1.6).</summary>
    PyTorchZip,

    /// <summary>A legacy PyTorch file (pre-1.6 pickle stream, or the older tar format); plain state dicts are read by a data-only pickle reader.</summary>
    PyTorchLegacy,

    /// <summary>A plain Python pickle; never loaded, because unpickling can run code.</summary>
    PythonPickle,
}
