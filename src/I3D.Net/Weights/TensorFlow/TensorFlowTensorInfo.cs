using TorchSharp;

namespace I3D.Net.Weights.TensorFlow;

/// <summary>One variable listed in a TensorFlow checkpoint index (a <c>BundleEntryProto</c>).</summary>
/// <param name="Name">The variable's full name, e.g. <c>RGB/inception_i3d/Mixed_3b/Branch_0/Conv3d_0a_1x1/conv_3d/w</c>.</param>
/// <param name="DataType">TensorFlow's <c>DataType</c> enum value (1 = float, 2 = double, 19 = half …).</param>
/// <param name="DType">The matching scalar type, or <see langword="null"/> when I3D.Net cannot read this type (e.g. strings).</param>
/// <param name="Shape">The shape in TensorFlow's (channels-last) layout.</param>
/// <param name="ShardId">Which <c>.data-NNNNN-of-MMMMM</c> file holds the bytes.</param>
/// <param name="Offset">Byte offset within that shard.</param>
/// <param name="Size">Byte length within that shard.</param>
/// <param name="Crc32C">The unmasked CRC-32C of the bytes.</param>
/// <param name="IsPartitioned">Whether the variable is stored as slices (partitioned variables), which I3D.Net does not read.</param>
public sealed record TensorFlowTensorInfo(
    string Name,
    int DataType,
    torch.ScalarType? DType,
    IReadOnlyList<long> Shape,
    int ShardId,
    long Offset,
    long Size,
    uint Crc32C,
    bool IsPartitioned);
