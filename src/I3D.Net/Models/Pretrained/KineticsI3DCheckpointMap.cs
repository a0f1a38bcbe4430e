using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
namespace I3D.Net.Models;

/// <summary>
/// The translation of a DeepMind kinetics-i3d checkpoint into pytorch-i3d state-dict keys, worked out from the index
/// alone (names and shapes), before any tensor data is read.
/// </summary>
public sealed class KineticsI3DCheckpointMap
{
    internal KineticsI3DCheckpointMap(
        string? stream,
        int numClasses,
        int inChannels,
        IReadOnlyList<KineticsI3DVariable> variables,
        IReadOnlyList<string> skipped,
        IReadOnlyDictionary<string, long[]> stateDictShapes)
    {
        Stream = stream;
        NumClasses = numClasses;
        InChannels = inChannels;
        Variables = variables;
        Skipped = skipped;
        StateDictShapes = stateDictShapes;
    }

    /// <summary><c>"RGB"</c> or <c>"Flow"</c> from the variables' scope, or <see langword="null"/> when they have none (the Kinetics-600 checkpoint).</summary>
    public string? Stream { get; }

    /// <summary>Number of classes of the logits layer (400 or 600 for the released checkpoints); 0 when the checkpoint has no logits.</summary>
    public int NumClasses { get; }

    /// <summary>Input channels of the first convolution (3 for RGB, 2 for flow).</summary>
    public int InChannels { get; }

    /// <summary>Every model variable with its state-dict key and shapes.</summary>
    public IReadOnlyList<KineticsI3DVariable> Variables { get; }

    /// <summary>Variables deliberately not loaded: optimizer slots (<c>…/Momentum</c>) and training counters.</summary>
    public IReadOnlyList<string> Skipped { get; }

    /// <summary>
    /// Every state-dict key the conversion produces with its shape: the mapped variables plus the BatchNorm entries
    /// TensorFlow does not store (<c>bn.weight</c> = 1 because Sonnet's BatchNorm has no scale, and
    /// <c>bn.num_batches_tracked</c> = 0).
    /// </summary>
    public IReadOnlyDictionary<string, long[]> StateDictShapes { get; }
}
