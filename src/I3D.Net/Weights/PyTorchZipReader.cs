using static TorchSharp.torch;

namespace I3D.Net.Weights;

/// <summary>Reads PyTorch zip state dicts (<c>torch.save</c> since 1.6) with <see cref="PyTorchStateDict"/>'s data-only pickle reader.</summary>
/// <remarks>Registered as a fallback: it claims every zip, so readers of more specific zip-based formats are asked first.</remarks>
internal sealed class PyTorchZipReader : IWeightsFormatReader
{
    /// <inheritdoc />
    public bool Detect(WeightsFileProbe probe) => probe.IsFile && probe.Head.Span.StartsWith("PK\u0003\u0004"u8);

    /// <inheritdoc />
    public Dictionary<string, Tensor> Read(string path, WeightsReadOptions options) => PyTorchStateDict.Load(path, null, options);
}
