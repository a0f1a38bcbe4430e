using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// A dense optical-flow method with one tensor convention: grayscale frames in, per-pixel displacement in pixels out.
/// </summary>
public interface IOpticalFlow
{
    /// <summary>
    /// Computes the flow from each <paramref name="previous"/> frame to the matching <paramref name="next"/> frame.
    /// </summary>
    /// <param name="previous">Grayscale frames <c>[N, H, W]</c>, floating point, values in 0–255.</param>
    /// <param name="next">Grayscale frames <c>[N, H, W]</c> of the same shape, dtype and device.</param>
    /// <returns>
    /// Flow <c>[N, 2, H, W]</c> float32 on the device of the inputs: channel 0 is the x displacement (positive to the
    /// right), channel 1 the y displacement (positive downwards), so that <c>next(x + u, y + v) ≈ previous(x, y)</c>.
    /// </returns>
    Tensor Compute(Tensor previous, Tensor next);
}
