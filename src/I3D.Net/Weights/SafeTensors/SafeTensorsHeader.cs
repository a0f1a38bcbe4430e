namespace I3D.Net.Weights.SafeTensors;

/// <summary>The validated header of a safetensors file: its tensors and its <c>__metadata__</c> strings.</summary>
public sealed class SafeTensorsHeader
{
    internal SafeTensorsHeader(IReadOnlyList<SafeTensorsEntry> tensors, IReadOnlyDictionary<string, string> metadata, long dataOffset)
    {
        Tensors = tensors;
        Metadata = metadata;
        DataOffset = dataOffset;
    }

    /// <summary>The tensors in the order the header lists them.</summary>
    public IReadOnlyList<SafeTensorsEntry> Tensors { get; }

    /// <summary>The free-form string map stored under <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Absolute file offset where the data section starts (8 + header length).</summary>
    public long DataOffset { get; }
}
