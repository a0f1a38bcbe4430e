namespace I3D.Net.Weights;

/// <summary>The on-disk format of a set of weights.</summary>
public enum WeightsFormat
{
    /// <summary>A TensorFlow checkpoint (<c>model.ckpt.index</c> + <c>model.ckpt.data-00000-of-00001</c>).</summary>
    TensorFlowCheckpoint,

    /// <summary>A PyTorch zip state dict (<c>.pt</c>/<c>.pth</c>).</summary>
    PyTorch,

    /// <summary>A safetensors file.</summary>
    Safetensors,
}
