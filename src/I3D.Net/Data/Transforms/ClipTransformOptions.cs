namespace I3D.Net.Data.Transforms;

/// <summary>The spatial pipeline of I3D: resize the short side, crop, optionally flip and jitter colour.</summary>
public sealed record ClipTransformOptions
{
    /// <summary>Resize so the shorter side is this many pixels (I3D: 256); null keeps the decoded size.</summary>
    public int? ShortSide { get; init; } = 256;

    /// <summary>Square crop size (I3D: 224); null keeps the whole frame.</summary>
    public int? CropSize { get; init; } = 224;

    /// <summary>Random crops (training) instead of the centre crop.</summary>
    public bool RandomCrop { get; init; }

    /// <summary>Probability of a horizontal flip (0 disables; I3D training used 0.5).</summary>
    public double FlipProbability { get; init; }

    /// <summary>Brightness jitter strength in [0, 1] (RGB only; 0 disables).</summary>
    public double Brightness { get; init; }

    /// <summary>Contrast jitter strength in [0, 1] (RGB only; 0 disables).</summary>
    public double Contrast { get; init; }

    /// <summary>Saturation jitter strength in [0, 1] (RGB only; 0 disables).</summary>
    public double Saturation { get; init; }

    /// <summary>Flow displacement bound in pixels for clipping and scaling to [-1, 1] (I3D: 20).</summary>
    public double FlowBound { get; init; } = 20;

    /// <summary>Training augmentation: random 224 crop of 256-short-side frames and random flips.</summary>
    public static ClipTransformOptions Training { get; } = new() { RandomCrop = true, FlipProbability = 0.5 };

    /// <summary>Evaluation: centre 224 crop of 256-short-side frames.</summary>
    public static ClipTransformOptions Evaluation { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("clip transform options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        errors.Require(ShortSide is not <= 0, $"ShortSide must be positive, found {ShortSide}.");
        errors.Require(CropSize is not <= 0, $"CropSize must be positive, found {CropSize}.");
        errors.Require(!(ShortSide is { } s && CropSize is { } c && c > s), $"CropSize ({CropSize}) must not exceed ShortSide ({ShortSide}).");
        errors.Require(FlipProbability is not (< 0 or > 1), $"FlipProbability must be in [0, 1], found {FlipProbability}.");
        foreach (var (name, v) in new[] { ("Brightness", Brightness), ("Contrast", Contrast), ("Saturation", Saturation) })
            errors.Require(v is not (< 0 or > 1), $"{name} must be in [0, 1], found {v}.");
        errors.Require(FlowBound > 0, $"FlowBound must be positive, found {FlowBound}.");
    }
}
