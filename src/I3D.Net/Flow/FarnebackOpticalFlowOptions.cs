namespace I3D.Net.Flow;

/// <summary>
/// Parameters of <see cref="FarnebackOpticalFlow"/>, named after OpenCV's <c>calcOpticalFlowFarneback</c>; the
/// defaults are those of <c>cv::FarnebackOpticalFlow::create()</c>.
/// </summary>
public sealed record FarnebackOpticalFlowOptions
{
    /// <summary>Size ratio between pyramid levels, in (0, 1).</summary>
    public double PyramidScale { get; init; } = 0.5;

    /// <summary>Number of pyramid levels including the full-size image (1 = no pyramid).</summary>
    public int Levels { get; init; } = 5;

    /// <summary>Side of the averaging window; larger is more robust and blurrier.</summary>
    public int WindowSize { get; init; } = 13;

    /// <summary>Iterations per pyramid level.</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>Neighbourhood size of the polynomial expansion: 5 or 7.</summary>
    public int PolyN { get; init; } = 5;

    /// <summary>Gaussian standard deviation of the polynomial expansion (about 1.1 for PolyN 5, 1.5 for 7).</summary>
    public double PolySigma { get; init; } = 1.1;

    /// <summary>Use a Gaussian window instead of a box filter (slower, more accurate).</summary>
    public bool GaussianWindow { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("Farneback options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        void Require(bool ok, string name, object value, string expected) =>
            errors.Require(ok, $"Farneback option {name} must be {expected}; found {value}.", name);

        Require(PyramidScale > 0 && PyramidScale < 1, nameof(PyramidScale), PyramidScale, "in (0, 1)");
        Require(Levels >= 1, nameof(Levels), Levels, "at least 1");
        Require(WindowSize >= 1, nameof(WindowSize), WindowSize, "at least 1");
        Require(Iterations >= 1, nameof(Iterations), Iterations, "at least 1");
        Require(PolyN is 5 or 7, nameof(PolyN), PolyN, "5 or 7");
        Require(PolySigma > 0 && double.IsFinite(PolySigma), nameof(PolySigma), PolySigma, "a finite number > 0");
    }
}
