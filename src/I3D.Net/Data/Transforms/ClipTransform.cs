using I3D.Net.Data.Sampling;
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
    public (Tensor? Rgb, Tensor? Flow) Apply(Tensor? rgb, Tensor? flowPixels, long seed, int epoch, int sampleIndex)
    {
        var crop = new CounterRandom(seed, epoch, sampleIndex, RandomStream.Crop);
        var (fy, fx) = Options.RandomCrop ? (crop.NextDouble(), crop.NextDouble()) : (0.5, 0.5);
        var flipRandom = new CounterRandom(seed, epoch, sampleIndex, RandomStream.Flip);
        var flip = Options.FlipProbability > 0 && flipRandom.NextBool(Options.FlipProbability);
        Tensor? outRgb = null, outFlow = null;
        using (var scope = NewDisposeScope())
        {
            if (rgb is not null)
            {
                var x = Spatial(rgb, fy, fx, flip, isFlow: false);
                if (Options.Brightness > 0 || Options.Contrast > 0 || Options.Saturation > 0)
                {
                    var jitter = new CounterRandom(seed, epoch, sampleIndex, RandomStream.ColorJitter);
                    x = ClipTransforms.ColorJitter(x, Options.Brightness, Options.Contrast, Options.Saturation, ref jitter);
                }
                outRgb = ClipTransforms.NormalizeRgb(x).MoveToOuterDisposeScope();
            }
            if (flowPixels is not null)
                outFlow = ClipTransforms.NormalizeFlow(Spatial(flowPixels, fy, fx, flip, isFlow: true), Options.FlowBound).MoveToOuterDisposeScope();
        }
        return (outRgb, outFlow);
    }

    private Tensor Spatial(Tensor clip, double fy, double fx, bool flip, bool isFlow)
    {
        var x = Options.ShortSide is { } side ? ClipTransforms.ResizeShortSide(clip, side) : clip.alias();
        if (Options.CropSize is { } size)
            x = ClipTransforms.CropAt(x, size, fy, fx);
        if (flip)
            x = ClipTransforms.HorizontalFlip(x, isFlow);
        return x;
    }
}
