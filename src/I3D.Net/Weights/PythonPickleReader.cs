using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>Recognises plain Python pickles so that they are refused with instructions: unpickling can run code.</summary>
internal sealed class PythonPickleReader : IWeightsFormatReader
{
    /// <inheritdoc />
    public bool Detect(WeightsFileProbe probe)
    {
        var head = probe.Head.Span;
        return probe.IsFile && head.Length >= 2 && head[0] == 0x80 && head[1] is >= 2 and <= 5;
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> Read(string path, WeightsReadOptions options) => throw new InvalidDataException(
        $"'{path}' is a plain Python pickle, not a safetensors, PyTorch zip or TensorFlow checkpoint. I3D.Net never unpickles files " +
        "(unpickling can run code). If it holds tensors, convert it with Python to safetensors: " +
        "`from safetensors.torch import save_file; save_file({k: v.contiguous() for k, v in sd.items()}, \"weights.safetensors\")`.");
}
