using System.Buffers.Binary;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace I3D.Net.Weights.TensorFlow;

/// <summary>
/// Reads TensorFlow V2 checkpoints (<see cref="TensorFlowCheckpoint"/>): the <c>model.ckpt</c> prefix, its
/// <c>.index</c> or a data shard, or a folder holding one checkpoint. Variables keep TensorFlow's names and layouts
/// (kernels <c>[kT, kH, kW, Cin, Cout]</c>); variables of a type without a torch equivalent are left out.
/// </summary>
internal sealed class TensorFlowCheckpointReader : IWeightsFormatReader
{
    /// <inheritdoc />
    public bool Detect(WeightsFileProbe probe)
    {
        var path = probe.Path;
        if (!probe.IsFile)
            return (Directory.Exists(path) || File.Exists(path + ".index")) && TensorFlowCheckpoint.Exists(path);
        if (probe.Length >= 8 && BinaryPrimitives.ReadUInt64LittleEndian(probe.ReadTail(8)) == SortedTableReader.Magic)
            return true;
        // A data shard: the index next to it is what describes it.
        return DataShardPrefix(path) is { } prefix && File.Exists(prefix + ".index");
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> Read(string path, WeightsReadOptions options)
    {
        var checkpoint = TensorFlowCheckpoint.Open(DataShardPrefix(path) ?? path, options);
        return checkpoint.ReadAll(checkpoint.Tensors.Where(t => t.DType is not null).Select(t => t.Name));
    }

    /// <summary>The checkpoint prefix of a data shard path (<c>model.ckpt.data-00000-of-00001</c> → <c>model.ckpt</c>), or null.</summary>
    internal static string? DataShardPrefix(string path)
    {
        var marker = path.LastIndexOf(".data-", StringComparison.Ordinal);
        return marker > 0 && Regex.IsMatch(path[(marker + 6)..], "^[0-9]{5}-of-[0-9]{5}$") ? path[..marker] : null;
    }
}
