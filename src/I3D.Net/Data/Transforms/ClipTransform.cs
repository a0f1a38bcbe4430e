using I3D.Net.Data.Sampling;
using I3D.Net.Data.Video;
using static TorchSharp.torch;

namespace I3D.Net.Data.Transforms;

/// <summary>
/// Applies <see cref="ClipTransformOptions"/> to the RGB and/or flow clips of one sample, with every random choice
/// drawn from <see cref="CounterRandom"/>(seed, epoch, sample): RGB and flow of a sample share the same crop and flip.
/// </summary>
public sealed class ClipTransform
{
    /// <summary>Creates the transform.</summary>
    public ClipTransform(ClipTransformOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
    }

    /// <summary>The options.</summary>
    public ClipTransformOptions Options { get; }

    /// <summary>
    /// Transforms one sample's clips and returns new tensors ready for the model (RGB and flow in [-1, 1]).
    /// </summary>
    /// <param name="rgb">RGB clips <c>[…, 3, T, H, W]</c> with values 0–255, or null.</param>
    /// <param name="flowPixels">Flow clips <c>[…, 2, T, H, W]</c> in pixels, or null.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="epoch">The epoch.</param>
    /// <param name="sampleIndex">The dataset index of the sample.</param>
    public (Tensor? Rgb, Tensor? Flow) Apply(Tensor? rgb, Tensor? flowPixels, long seed, int epoch, int sampleIndex) =>
        Apply(rgb, flowPixels, seed, epoch, sampleIndex, geometryApplied: false);

    /// <summary>
    /// The resize and crop of <see cref="Apply(Tensor?, Tensor?, long, int, int)"/> for frames of
    /// <paramref name="width"/>×<paramref name="height"/>, for a reader to apply while decoding; then finish with
    /// <see cref="ApplyAfterGeometry"/>. Null when the options neither resize nor crop.
    /// </summary>
    public FrameGeometry? PlanGeometry(int width, int height, long seed, int epoch, int sampleIndex)
    {
        var flip = Flip(seed, epoch, sampleIndex);
        if (Options.ShortSide is null && Options.CropSize is null && !flip)
            return null;
        var (fy, fx) = CropFractions(seed, epoch, sampleIndex);
        var (h, w) = Options.ShortSide is { } side ? ClipTransforms.ShortSideSize(height, width, side) : (height, width);
        if (Options.CropSize is not { } size)
            return new FrameGeometry((int)w, (int)h, 0, 0, (int)w, (int)h) { FlipHorizontal = flip };
        if (h < size || w < size)
            throw new ArgumentException($"Cannot crop {size}x{size} from frames of {w}x{h}; set ShortSide >= CropSize.");
        return new FrameGeometry((int)w, (int)h, (int)ClipTransforms.CropOffset(w, size, fx), (int)ClipTransforms.CropOffset(h, size, fy), size, size)
        {
            FlipHorizontal = flip,
        };
    }

    private bool Flip(long seed, int epoch, int sampleIndex)
    {
        var flipRandom = new CounterRandom(seed, epoch, sampleIndex, RandomStream.Flip);
        return Options.FlipProbability > 0 && flipRandom.NextBool(Options.FlipProbability);
    }

    /// <summary>
    /// Finishes clips whose frames were decoded with <see cref="PlanGeometry"/> (resized, cropped, mirrored): negates
    /// mirrored flow's x, applies colour jitter and normalises.
    /// </summary>
    public (Tensor? Rgb, Tensor? Flow) ApplyAfterGeometry(Tensor? rgb, Tensor? flowPixels, long seed, int epoch, int sampleIndex) =>
        Apply(rgb, flowPixels, seed, epoch, sampleIndex, geometryApplied: true);

    private (double Fy, double Fx) CropFractions(long seed, int epoch, int sampleIndex)
    {
        var crop = new CounterRandom(seed, epoch, sampleIndex, RandomStream.Crop);
        return Options.RandomCrop ? (crop.NextDouble(), crop.NextDouble()) : (0.5, 0.5);
    }

    private (Tensor? Rgb, Tensor? Flow) Apply(Tensor? rgb, Tensor? flowPixels, long seed, int epoch, int sampleIndex, bool geometryApplied)
    {
        var (fy, fx) = CropFractions(seed, epoch, sampleIndex);
        var flip = Flip(seed, epoch, sampleIndex);
        Tensor? outRgb = null, outFlow = null;
        using (var scope = NewDisposeScope())
        {
            if (rgb is not null)
            {
                var x = Spatial(rgb, fy, fx, flip, isFlow: false, geometryApplied);
                if (Options.Brightness > 0 || Options.Contrast > 0 || Options.Saturation > 0)
                {
                    var jitter = new CounterRandom(seed, epoch, sampleIndex, RandomStream.ColorJitter);
                    x = ClipTransforms.ColorJitter(x, Options.Brightness, Options.Contrast, Options.Saturation, ref jitter);
                }
                outRgb = ClipTransforms.NormalizeRgb(x).MoveToOuterDisposeScope();
            }
            if (flowPixels is not null)
                outFlow = ClipTransforms.NormalizeFlow(Spatial(flowPixels, fy, fx, flip, isFlow: true, geometryApplied), Options.FlowBound).MoveToOuterDisposeScope();
        }
        return (outRgb, outFlow);
    }

    private Tensor Spatial(Tensor clip, double fy, double fx, bool flip, bool isFlow, bool geometryApplied)
    {
        if (geometryApplied)
        {
            // Pixels were resized, cropped and mirrored while decoding; mirrored flow still needs its x negated.
            return flip && isFlow ? ClipTransforms.NegateFlowX(clip) : clip.alias();
        }
        var x = Options.ShortSide is { } side ? ClipTransforms.ResizeShortSide(clip, side) : clip.alias();
        if (Options.CropSize is { } size)
            x = ClipTransforms.CropAt(x, size, fy, fx);
        if (flip)
            x = ClipTransforms.HorizontalFlip(x, isFlow);
        return x;
    }
}
