using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// TV-L1 optical flow (Zach, Pock &amp; Bischof 2007, in the formulation of Sánchez, Meinhardt-Llopis &amp; Facciolo
/// 2013) following OpenCV's <c>DualTVL1OpticalFlow</c> step by step, written as TorchSharp tensor operations so
/// that it runs batched over frame pairs on the CPU or on a CUDA device (the device of the input tensors).
/// </summary>
/// <remarks>
/// <para>
/// Per pair: an image pyramid of <see cref="TvL1OpticalFlowOptions.ScalesNumber"/> levels made by bilinear
/// resizing with <see cref="TvL1OpticalFlowOptions.ScaleStep"/>; from the coarsest level down, a number of
/// warpings in which the next frame and its central-difference gradients are warped by the current flow (bicubic,
/// zero outside), and the linearised TV-L1 energy is minimised by alternating the pointwise thresholding step,
/// the flow update from the divergence of the dual variables, and the projected dual ascent on the forward
/// gradient; the flow is median filtered before every block of inner iterations and, between levels, resized and
/// multiplied by <c>1 / ScaleStep</c>.
/// </para>
/// <para>
/// OpenCV stops a warping when the summed squared change of the flow falls to <c>Epsilon² · H · W</c>; here each
/// pair of the batch stops on its own test too (finished pairs leave the working batch), so the result of a pair
/// does not depend on what it is batched with.
/// </para>
/// </remarks>
public sealed class TvL1OpticalFlow : IOpticalFlow
{
    /// <summary>OpenCV stops adding pyramid levels below this side length.</summary>
    private const long MinimumLevelSide = 16;

    /// <summary>FLT_EPSILON: OpenCV treats squared gradients at or below it as zero.</summary>
    private const float SingleMachineEpsilon = 1.1920929e-7f;

    /// <summary>Creates the method with the given parameters (OpenCV's defaults when null).</summary>
    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public TvL1OpticalFlow(TvL1OpticalFlowOptions? options = null)
    {
        Options = options ?? new TvL1OpticalFlowOptions();
        Options.Validate();
    }

    /// <summary>The parameters in use.</summary>
    public TvL1OpticalFlowOptions Options { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The frames are not matching <c>[N, H, W]</c> float tensors of at least 3×3 pixels.</exception>
    public Tensor Compute(Tensor previous, Tensor next) => Compute(previous, next, initialFlow: null);

    /// <summary>
    /// Computes the flow from <paramref name="previous"/> to <paramref name="next"/>, starting from
    /// <paramref name="initialFlow"/> (OpenCV's <c>useInitialFlow</c>): it is shrunk to the coarsest pyramid level,
    /// where the iterations start from it instead of from zero.
    /// </summary>
    /// <param name="previous">Grayscale frames <c>[N, H, W]</c>, floating point, values in 0–255.</param>
    /// <param name="next">Grayscale frames of the same shape, dtype and device.</param>
    /// <param name="initialFlow">A starting flow <c>[N, 2, H, W]</c> in pixels, or null to start from zero.</param>
    /// <returns>Flow <c>[N, 2, H, W]</c> float32 (x, y) in pixels, on the device of the inputs.</returns>
    public Tensor Compute(Tensor previous, Tensor next, Tensor? initialFlow)
    {
        FrameValidation.ValidatePair(previous, next, minimumSide: 3);
        long n = previous.shape[0], height = previous.shape[1], width = previous.shape[2];
        if (initialFlow is not null && !initialFlow.shape.SequenceEqual(new[] { n, 2, height, width }))
            throw new ArgumentException(
                $"Expected an initial flow of shape [{n}, 2, {height}, {width}], found [{string.Join(", ", initialFlow.shape)}].",
                nameof(initialFlow));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var options = Options;
        var device = previous.device;

        // The image pyramid: level 0 is the input; each level is the previous one resized by ScaleStep.
        var levels0 = new List<Tensor> { previous.to(ScalarType.Float32).unsqueeze(1) };
        var levels1 = new List<Tensor> { next.to(ScalarType.Float32).unsqueeze(1) };
        var start = initialFlow?.to(ScalarType.Float32, device);
        for (int s = 1; s < options.ScalesNumber; s++)
        {
            var (h, w) = (levels0[s - 1].shape[2], levels0[s - 1].shape[3]);
            var (hs, ws) = ((long)Math.Round(h * options.ScaleStep), (long)Math.Round(w * options.ScaleStep));
            if (hs < MinimumLevelSide || ws < MinimumLevelSide)
                break;
            levels0.Add(FlowImageOps.ResizeBilinear(levels0[s - 1], hs, ws, options.ScaleStep, options.ScaleStep));
            levels1.Add(FlowImageOps.ResizeBilinear(levels1[s - 1], hs, ws, options.ScaleStep, options.ScaleStep));
            if (start is not null)
                start = FlowImageOps.ResizeBilinear(start, hs, ws, options.ScaleStep, options.ScaleStep).mul_(options.ScaleStep);
        }

        int coarsest = levels0.Count - 1;
        bool useGamma = options.Gamma != 0;
        int components = useGamma ? 3 : 2;   // u1, u2 and, with gamma, the illumination term u3
        var (ch, cw) = (levels0[coarsest].shape[2], levels0[coarsest].shape[3]);
        var flow = zeros(new[] { n, components, ch, cw }, ScalarType.Float32, device);
        if (start is not null)
            flow.narrow(1, 0, 2).copy_(start);

        for (int s = coarsest; ; s--)
        {
            ProcessLevel(levels0[s], levels1[s], flow);
            if (s == 0)
                break;
            var (h, w) = (levels0[s - 1].shape[2], levels0[s - 1].shape[3]);
            flow = FlowImageOps.ResizeBilinear(flow, h, w, (double)w / flow.shape[3], (double)h / flow.shape[2]);
            flow.narrow(1, 0, 2).mul_(1 / options.ScaleStep);   // displacements grow with the image; u3 does not
        }

        return flow.narrow(1, 0, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Runs the warpings of one pyramid level, updating <paramref name="flow"/> <c>[N, C, h, w]</c> in place.</summary>
    private void ProcessLevel(Tensor i0, Tensor i1, Tensor flow)
    {
        using var scope = NewDisposeScope();
        var o = Options;
        long n = flow.shape[0], h = flow.shape[2], w = flow.shape[3];
        var scaledEpsilon = (float)(o.Epsilon * o.Epsilon * h * w);
        var lambdaTheta = o.Lambda * o.Theta;
        var tauOverTheta = o.Tau / o.Theta;
        bool useGamma = o.Gamma != 0;

        var (i1x, i1y) = FlowImageOps.CenteredGradient(i1);
        var i1Stack = cat(new[] { i1, i1x, i1y }, dim: 1);              // warped together: [N, 3, h, w]
        var dualX = zeros_like(flow);                                      // p11, p21 (, p31)
        var dualY = zeros_like(flow);                                      // p12, p22 (, p32)

        for (int warp = 0; warp < o.Warps; warp++)
        {
            using var warpScope = NewDisposeScope();
            var warped = FlowImageOps.RemapBicubic(i1Stack, flow.narrow(1, 0, 2));
            var i1w = warped.narrow(1, 0, 1);
            var imageGradient = warped.narrow(1, 1, 2);                   // ∇I1 at x + u0
            var gradSquared = imageGradient.square().sum(1, keepdim: true);
            // Constant part of the linearised residual ρ(u) = I1(x+u0) + ∇I1·(u − u0) − I0(x).
            var rhoConstant = i1w - (imageGradient * flow.narrow(1, 0, 2)).sum(1, keepdim: true) - i0;
            var dataDirection = useGamma
                ? cat(new[] { imageGradient, full_like(i1w, o.Gamma) }, dim: 1)
                : imageGradient;
            // −1/|∇I1|²; where the gradient vanishes OpenCV leaves v = u, which the clamp below reproduces to within
            // λθ·|∇I1| ≤ 2e-5 px.
            var negInverseGrad = gradSquared.clamp_min(SingleMachineEpsilon).reciprocal_().neg_();

            var work = new WorkingSet(flow, dualX, dualY, dataDirection, rhoConstant, negInverseGrad, n);
            for (int outer = 0; outer < o.OuterIterations && !work.Done; outer++)
            {
                if (o.MedianFiltering > 1)
                    work.MedianFilterFlow(o.MedianFiltering);
                for (int inner = 0; inner < o.InnerIterations && !work.Done; inner++)
                {
                    var change = work.Iterate(lambdaTheta, o.Theta, tauOverTheta);
                    work.Retire(change, scaledEpsilon);
                }
            }
            work.WriteBack();
        }
    }

    /// <summary>
    /// The pairs of a batch that are still iterating in the current warping, with their state. While every pair is
    /// active the tensors alias the level's state; once some pairs converge, the rest are gathered into copies.
    /// </summary>
    private sealed class WorkingSet
    {
        private readonly Tensor _levelFlow, _levelDualX, _levelDualY;
        private long[] _rows;
        private Tensor _flow, _dualX, _dualY, _direction, _rho, _negInverseGrad;
        private bool _isSubset;

        public WorkingSet(Tensor flow, Tensor dualX, Tensor dualY, Tensor dataDirection, Tensor rhoConstant, Tensor negInverseGrad, long n)
        {
            (_levelFlow, _levelDualX, _levelDualY) = (flow, dualX, dualY);
            (_flow, _dualX, _dualY) = (flow, dualX, dualY);
            (_direction, _rho, _negInverseGrad) = (dataDirection, rhoConstant, negInverseGrad);
            _rows = Enumerable.Range(0, (int)n).Select(i => (long)i).ToArray();
        }

        /// <summary>True once every pair has met the stopping test.</summary>
        public bool Done => _rows.Length == 0;

        /// <summary>Median filters u1 and u2 (not the illumination term) of the active pairs.</summary>
        public void MedianFilterFlow(int size)
        {
            using var scope = NewDisposeScope();
            var uv = _flow.narrow(1, 0, 2);
            uv.copy_(FlowImageOps.MedianBlur(uv, size));
        }

        /// <summary>One primal–dual iteration; returns the summed squared flow change of each active pair (on the CPU).</summary>
        public float[] Iterate(double lambdaTheta, double theta, double tauOverTheta)
        {
            using var scope = NewDisposeScope();
            // Thresholding step: v = u + clamp(−ρ(u)/|∇I1|², −λθ, λθ)·∇I1.
            var rho = (_direction * _flow).sum(1, keepdim: true).add_(_rho);
            var step = rho.mul_(_negInverseGrad).clamp_(-lambdaTheta, lambdaTheta);
            var v = _flow.addcmul(_direction, step, 1);
            // u = v + θ·div p.
            var updated = v.add_(FlowImageOps.Divergence(_dualX, _dualY), theta);
            var change = (updated - _flow).pow_(2).sum(new long[] { 1, 2, 3 });
            _flow.copy_(updated);
            // p = (p + τ/θ·∇u) / (1 + τ/θ·|∇u|), per flow component.
            var (ux, uy) = FlowImageOps.ForwardGradient(_flow);
            var denominator = ux.hypot(uy).mul_(tauOverTheta).add_(1);
            _dualX.add_(ux, tauOverTheta).div_(denominator);
            _dualY.add_(uy, tauOverTheta).div_(denominator);
            return change.cpu().data<float>().ToArray();
        }

        /// <summary>Removes the pairs whose change is at most <paramref name="threshold"/> from the working set.</summary>
        public void Retire(float[] change, float threshold)
        {
            var keep = Enumerable.Range(0, change.Length).Where(i => change[i] > threshold).ToArray();
            if (keep.Length == change.Length)
                return;
            WriteBack();
            if (keep.Length == 0)
            {
                _rows = [];
                return;
            }
            using var local = tensor(keep.Select(i => (long)i).ToArray(), device: _flow.device);
            Tensor Take(Tensor t) => t.index_select(0, local);
            (_flow, _dualX, _dualY, _direction, _rho, _negInverseGrad) =
                (Take(_flow), Take(_dualX), Take(_dualY), Take(_direction), Take(_rho), Take(_negInverseGrad));
            _rows = keep.Select(i => _rows[i]).ToArray();
            _isSubset = true;
        }

        /// <summary>Copies the state of the working pairs back into the level's tensors (a no-op while they alias them).</summary>
        public void WriteBack()
        {
            if (!_isSubset || _rows.Length == 0)
                return;
            using var rows = tensor(_rows, device: _flow.device);
            _levelFlow.index_copy_(0, rows, _flow);
            _levelDualX.index_copy_(0, rows, _dualX);
            _levelDualY.index_copy_(0, rows, _dualY);
        }
    }
}
