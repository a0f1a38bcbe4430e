using System.Buffers.Binary;
using static TorchSharp.torch;

namespace I3D.Net.Weights.SafeTensors;

/// <summary>Reads safetensors files (<see cref="SafeTensorsFile"/>): an 8-byte little-endian header length, then JSON.</summary>
internal sealed class SafeTensorsReader : IWeightsFormatReader
{
    /// <inheritdoc />
    public bool Detect(WeightsFileProbe probe)
    {
        var head = probe.Head.Span;
        if (!probe.IsFile || head.Length < 9) return false;
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(head);
        return head[8] == (byte)'{' && headerLength <= SafeTensorsFile.MaxHeaderBytes && (long)headerLength <= probe.Length - 8;
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> Read(string path, WeightsReadOptions options) => SafeTensorsFile.Load(path);
}
