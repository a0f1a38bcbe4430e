namespace I3D.Net.Data.Synthetic;

/// <summary>Options for <see cref="SyntheticActionDataset.Generate"/>.</summary>
public sealed record SyntheticDatasetOptions
{
    /// <summary>The actions (classes) to render, in label order; null for all of <see cref="SyntheticAction"/>.</summary>
    public IReadOnlyList<SyntheticAction>? Actions { get; init; }

    /// <summary>Videos per class.</summary>
    public int VideosPerClass { get; init; } = 6;

    /// <summary>Frames per video.</summary>
    public int FrameCount { get; init; } = 16;

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; init; } = 64;

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; init; } = 64;

    /// <summary>Frame rate written to the files.</summary>
    public double Fps { get; init; } = 25;

    /// <summary>The seed; the same seed gives the same videos and splits.</summary>
    public int Seed { get; init; }

    /// <summary>The writer's FourCC (<c>mp4v</c>, <c>MJPG</c>, <c>XVID</c>, …).</summary>
    public string FourCC { get; init; } = "mp4v";

    /// <summary>The file extension (container) matching <see cref="FourCC"/>: <c>.mp4</c> for mp4v, <c>.avi</c> for MJPG/XVID.</summary>
    public string Extension { get; init; } = ".mp4";

    /// <summary>Fraction of each class's videos in the validation list.</summary>
    public double ValidationFraction { get; init; } = 1.0 / 6;

    /// <summary>Fraction of each class's videos in the test list.</summary>
    public double TestFraction { get; init; } = 1.0 / 6;

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("synthetic dataset options");
        errors.Require(VideosPerClass >= 1, $"VideosPerClass must be >= 1, found {VideosPerClass}.");
        errors.Require(FrameCount >= 2, $"FrameCount must be >= 2, found {FrameCount}.");
        errors.Require(Width >= 16 && Height >= 16, $"Frames must be at least 16x16, found {Width}x{Height}.");
        errors.Require(Fps > 0, $"Fps must be positive, found {Fps}.");
        errors.Require(FourCC is { Length: 4 }, $"FourCC must be 4 characters, found '{FourCC}'.");
        errors.Require(!string.IsNullOrEmpty(Extension) && Extension[0] == '.', $"Extension must start with '.', found '{Extension}'.");
        errors.Require(ValidationFraction >= 0 && TestFraction >= 0 && ValidationFraction + TestFraction < 1,
            $"ValidationFraction ({ValidationFraction}) and TestFraction ({TestFraction}) must be >= 0 and sum to < 1.");
        errors.Require(Actions is not { Count: 0 }, "Actions must name at least one action.");
        errors.Require(Actions is null || Actions.Distinct().Count() == Actions.Count, "Actions must not repeat.");
        errors.ThrowIfAny();
    }
}
