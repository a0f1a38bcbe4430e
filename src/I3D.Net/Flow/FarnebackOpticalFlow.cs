using System.Runtime.InteropServices;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// Farnebäck's polynomial-expansion flow through OpenCV (OpenCvSharp's <c>Cv2.CalcOpticalFlowFarneback</c>): a
/// fast CPU alternative to <see cref="TvL1OpticalFlow"/> with the same tensor convention. Frames are rounded to
/// 8-bit for OpenCV; the flow comes back on the device of the inputs.
/// </summary>
/// <remarks>The application must reference an OpenCvSharp native runtime package (e.g. <c>OpenCvSharp4.official.runtime.linux-x64</c>).</remarks>
public sealed class FarnebackOpticalFlow : IOpticalFlow
{
    /// <summary>Creates the method with the given parameters (OpenCV's defaults when null).</summary>
    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public FarnebackOpticalFlow(FarnebackOpticalFlowOptions? options = null)
    {
        Options = options ?? new FarnebackOpticalFlowOptions();
        Options.Validate();
    }

    /// <summary>The parameters in use.</summary>
    public FarnebackOpticalFlowOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The frames are not matching <c>[N, H, W]</c> float tensors.</exception>
    public Tensor Compute(Tensor previous, Tensor next)
    {
        FrameValidation.ValidatePair(previous, next, minimumSide: 2);
        int n = (int)previous.shape[0], height = (int)previous.shape[1], width = (int)previous.shape[2];
        var previousBytes = ToBytes(previous);
        var nextBytes = ToBytes(next);
        int frameSize = height * width;
        var flow = new float[n * 2 * frameSize];
        var o = Options;
        var flags = o.GaussianWindow ? OpticalFlowFlags.FarnebackGaussian : OpticalFlowFlags.None;

        for (int i = 0; i < n; i++)
        {
            using var previousMat = Mat.FromPixelData(height, width, MatType.CV_8UC1, previousBytes.AsSpan(i * frameSize, frameSize).ToArray());
            using var nextMat = Mat.FromPixelData(height, width, MatType.CV_8UC1, nextBytes.AsSpan(i * frameSize, frameSize).ToArray());
            using var result = new Mat();
            Cv2.CalcOpticalFlowFarneback(previousMat, nextMat, result, o.PyramidScale, o.Levels, o.WindowSize,
                o.Iterations, o.PolyN, o.PolySigma, flags);
            // OpenCV returns interleaved (x, y) per pixel; the tensor convention is planar [2, H, W].
            var interleaved = new float[2 * frameSize];
            Marshal.Copy(result.Data, interleaved, 0, interleaved.Length);
            for (int p = 0; p < frameSize; p++)
            {
                flow[(2 * i) * frameSize + p] = interleaved[2 * p];
                flow[(2 * i + 1) * frameSize + p] = interleaved[2 * p + 1];
            }
        }

        using var cpuFlow = tensor(flow, new long[] { n, 2, height, width });
        return cpuFlow.to(previous.device);
    }

    /// <summary>Frames rounded and saturated to 8 bits, copied to managed memory.</summary>
    private static byte[] ToBytes(Tensor frames)
    {
        using var scope = NewDisposeScope();
        return frames.detach().round().clamp(0, 255).to(ScalarType.Byte).cpu().contiguous().data<byte>().ToArray();
    }
}
