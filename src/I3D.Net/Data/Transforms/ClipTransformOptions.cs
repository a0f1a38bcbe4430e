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

    /// <summary>Throws <see cref="ArgumentException"/> for out-of-range options.</summary>
    public void Validate()
    {
        if (ShortSide is <= 0)
            throw new ArgumentException($"ShortSide must be positive, found {ShortSide}.");
        if (CropSize is <= 0)
            throw new ArgumentException($"CropSize must be positive, found {CropSize}.");
        if (ShortSide is { } s && CropSize is { } c && c > s)
            throw new ArgumentException($"CropSize ({c}) must not exceed ShortSide ({s}).");
        if (FlipProbability is < 0 or > 1)
            throw new ArgumentException($"FlipProbability must be in [0, 1], found {FlipProbability}.");
        foreach (var (name, v) in new[] { ("Brightness", Brightness), ("Contrast", Contrast), ("Saturation", Saturation) })
        {
            if (v is < 0 or > 1)
                throw new ArgumentException($"{name} must be in [0, 1], found {v}.");
        }
        if (!(FlowBound > 0))
            throw new ArgumentException($"FlowBound must be positive, found {FlowBound}.");
    }
}
