using TorchSharp;

namespace I3D.Net.Weights.SafeTensors;

/// <summary>One tensor described by a safetensors header, after validation.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its shape (empty for a scalar).</param>
/// <param name="Begin">Start of its bytes, relative to the start of the data section.</param>
/// <param name="End">End (exclusive) of its bytes, relative to the start of the data section.</param>
public sealed record SafeTensorsEntry(string Name, torch.ScalarType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Number of bytes the tensor occupies.</summary>
    public long ByteLength => End - Begin;
}
