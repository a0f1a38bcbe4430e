using static TorchSharp.torch;

namespace I3D.Net.Inference;

/// <summary>
/// The network of a <see cref="VideoClassifier"/>: turns a batch of prepared clips into logits. The classifier still
/// decodes, resamples, crops and computes optical flow; an implementation only runs the network, e.g. an ONNX
/// Runtime session (<c>I3D.Net.Onnx</c>'s <c>OnnxI3D</c>).
/// </summary>
public interface IClipClassifierModel
{
    /// <summary>Logits per clip (the length of each row <see cref="Logits"/> returns).</summary>
    int NumClasses { get; }

    /// <summary>Whether the network reads RGB clips <c>[B, 3, T, H, W]</c> in [-1, 1].</summary>
    bool ReadsRgb { get; }

    /// <summary>Whether the network reads optical-flow clips <c>[B, 2, T, H, W]</c> (flow in [-1, 1]).</summary>
    bool ReadsFlow { get; }

    /// <summary>The one clip shape the network accepts (e.g. a graph exported for one size), or null when any size works.</summary>
    ClipShape? RequiredClipShape { get; }

    /// <summary>Runs the network on one batch.</summary>
    /// <param name="rgb">RGB clips <c>[B, 3, T, H, W]</c>, float32 on the CPU, when <see cref="ReadsRgb"/>; otherwise null.</param>
    /// <param name="flow">Flow clips <c>[B, 2, T, H, W]</c>, float32 on the CPU, when <see cref="ReadsFlow"/>; otherwise null.</param>
    /// <returns>The logits <c>[B, NumClasses]</c>, row by row (<c>B × NumClasses</c> values).</returns>
    float[] Logits(Tensor? rgb, Tensor? flow);
}
