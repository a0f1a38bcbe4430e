using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using static TorchSharp.torch;

namespace I3D.Net.Models;

/// <summary>
/// DeepMind kinetics-i3d TensorFlow variables → pytorch-i3d state-dict keys (see <see cref="KineticsI3DCheckpoint"/>):
/// names translated, kernels permuted from <c>[kT, kH, kW, Cin, Cout]</c> to <c>[Cout, Cin, kT, kH, kW]</c>, the
/// BatchNorm entries TensorFlow does not store filled in, optimizer slots dropped.
/// </summary>
public sealed class KineticsI3DKeyMapping : IStateDictKeyMapping
{
    private KineticsI3DKeyMapping()
    {
    }

    /// <summary>The mapping.</summary>
    public static KineticsI3DKeyMapping Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "kinetics-i3d (TensorFlow) → pytorch-i3d";

    /// <summary>A TensorFlow checkpoint with at least one kinetics-i3d variable (the others are then reported by name).</summary>
    /// <param name="format">The format the state dict was read from.</param>
    /// <param name="keys">Its variable names.</param>
    public bool AppliesTo(CheckpointFormat format, IReadOnlyCollection<string> keys) =>
        format == CheckpointFormat.TensorFlowCheckpoint && keys.Any(k => KineticsI3DCheckpoint.MapName(k) is not null);

    /// <inheritdoc />
    public Dictionary<string, Tensor> Map(IReadOnlyDictionary<string, Tensor> source, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(source);
        var map = KineticsI3DCheckpoint.Map(source.Select(p => (p.Key, (ScalarType?)p.Value.dtype, p.Value.dtype.ToString(), p.Value.shape)),
            $"TensorFlow checkpoint '{sourceName}'");
        return KineticsI3DCheckpoint.ToStateDict(map, source);
    }
}
