using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
namespace I3D.Net.Models;

/// <summary>How a DeepMind kinetics-i3d variable becomes a pytorch-i3d state-dict entry.</summary>
/// <param name="TensorFlowName">The checkpoint variable, e.g. <c>RGB/inception_i3d/Mixed_3b/Branch_1/Conv3d_0b_3x3/conv_3d/w</c>.</param>
/// <param name="StateDictKey">The state-dict key, e.g. <c>Mixed_3b.b1b.conv3d.weight</c>.</param>
/// <param name="TensorFlowShape">The stored shape (conv kernels are <c>[kT, kH, kW, Cin, Cout]</c>).</param>
/// <param name="StateDictShape">The converted shape (conv kernels become <c>[Cout, Cin, kT, kH, kW]</c>; BN vectors <c>[C]</c>).</param>
/// <param name="IsConvKernel">Whether the value is permuted from channels-last to PyTorch's layout (otherwise it is only reshaped).</param>
public sealed record KineticsI3DVariable(
    string TensorFlowName,
    string StateDictKey,
    IReadOnlyList<long> TensorFlowShape,
    IReadOnlyList<long> StateDictShape,
    bool IsConvKernel);
