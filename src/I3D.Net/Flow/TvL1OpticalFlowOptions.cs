namespace I3D.Net.Flow;

/// <summary>
/// Parameters of <see cref="TvL1OpticalFlow"/>. The names and defaults are those of OpenCV's
/// <c>cv::optflow::DualTVL1OpticalFlow::create()</c> (OpenCV 4.x), so settings carry over one to one.
/// </summary>
public sealed record TvL1OpticalFlowOptions
{
    /// <summary>
    /// A fast preset: 3 scales of ratio 0.5, 1 warping, 1 median filtering of 20 iterations. Enough for small, slow
    /// motion (generated clips, tests, quick looks), several times faster than OpenCV's defaults.
    /// </summary>
    public static TvL1OpticalFlowOptions Fast { get; } = new() { ScalesNumber = 3, ScaleStep = 0.5, Warps = 1, OuterIterations = 1, InnerIterations = 20 };

    /// <summary>Time step of the primal–dual scheme; the scheme is stable for values up to 0.25.</summary>
    public double Tau { get; init; } = 0.25;

    /// <summary>Weight of the data term (attachment). Smaller values give smoother flow.</summary>
    public double Lambda { get; init; } = 0.15;

    /// <summary>Coupling between the flow and its auxiliary variable (tightness).</summary>
    public double Theta { get; init; } = 0.3;

    /// <summary>Number of pyramid levels (fewer are used when a level would be smaller than 16 pixels).</summary>
    public int ScalesNumber { get; init; } = 5;

    /// <summary>Number of warpings (re-linearisations of the data term) per pyramid level.</summary>
    public int Warps { get; init; } = 5;

    /// <summary>
    /// Stopping threshold: a warping stops once the squared change of the flow, summed over the image, is at most
    /// <c>Epsilon² · H · W</c> (an RMS change of at most <c>Epsilon</c> pixels).
    /// </summary>
    public double Epsilon { get; init; } = 0.01;

    /// <summary>Primal–dual iterations between two median filterings.</summary>
    public int InnerIterations { get; init; } = 30;

    /// <summary>Median filterings (each followed by <see cref="InnerIterations"/> iterations) per warping.</summary>
    public int OuterIterations { get; init; } = 10;

    /// <summary>
    /// Size ratio between consecutive pyramid levels, in (0, 1). OpenCV's default is 0.8 (the 0.5 of the older
    /// <c>cv::createOptFlow_DualTVL1</c> is available by setting it).
    /// </summary>
    public double ScaleStep { get; init; } = 0.8;

    /// <summary>Weight of the illumination-change term (0 turns it off, as in OpenCV's default).</summary>
    public double Gamma { get; init; }

    /// <summary>
    /// Side of the median filter applied to the flow before every block of inner iterations: 5 (OpenCV's default),
    /// 3, or 0/1 for none.
    /// </summary>
    public int MedianFiltering { get; init; } = 5;

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("TV-L1 options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        void Require(bool ok, string name, object value, string expected) =>
            errors.Require(ok, $"TV-L1 option {name} must be {expected}; found {value}.", name);

        Require(Tau > 0 && double.IsFinite(Tau), nameof(Tau), Tau, "a finite number > 0 (0.25 is the stable maximum)");
        Require(Lambda > 0 && double.IsFinite(Lambda), nameof(Lambda), Lambda, "a finite number > 0");
        Require(Theta > 0 && double.IsFinite(Theta), nameof(Theta), Theta, "a finite number > 0");
        Require(ScalesNumber >= 1, nameof(ScalesNumber), ScalesNumber, "at least 1");
        Require(Warps >= 1, nameof(Warps), Warps, "at least 1");
        Require(Epsilon >= 0 && double.IsFinite(Epsilon), nameof(Epsilon), Epsilon, "a finite number ≥ 0");
        Require(InnerIterations >= 1, nameof(InnerIterations), InnerIterations, "at least 1");
        Require(OuterIterations >= 1, nameof(OuterIterations), OuterIterations, "at least 1");
        Require(ScaleStep > 0 && ScaleStep < 1, nameof(ScaleStep), ScaleStep, "in (0, 1)");
        Require(Gamma >= 0 && double.IsFinite(Gamma), nameof(Gamma), Gamma, "a finite number ≥ 0");
        Require(MedianFiltering is 0 or 1 or 3 or 5, nameof(MedianFiltering), MedianFiltering, "0 or 1 (off), 3 or 5");
    }
}
