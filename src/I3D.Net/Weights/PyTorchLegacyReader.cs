using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>Reads legacy (pre-1.6 pickle stream or tar) PyTorch state dicts; what would need code to load is refused with conversion instructions.</summary>
internal sealed class PyTorchLegacyReader : IWeightsFormatReader
{
    /// <inheritdoc />
    public bool Detect(WeightsFileProbe probe) => probe.IsFile && LegacyPyTorchFile.IsLegacy(probe.Head.Span);

    /// <inheritdoc />
    public Dictionary<string, Tensor> Read(string path, WeightsReadOptions options)
    {
        try
        {
            return PyTorchStateDict.Load(path, null, options);
        }
        catch (InvalidDataException e)
        {
            // Refused (a pickled module, a custom class …): say exactly how to re-save it.
            throw LegacyPyTorchFile.CreateException(path, e);
        }
    }
}
