namespace I3D.Net.Weights;

/// <summary>An accuracy reported by the authors of a set of weights (not measured by this library).</summary>
/// <param name="Dataset">The benchmark, e.g. <c>Kinetics-400</c>.</param>
/// <param name="Split">The split, e.g. <c>test</c> or <c>val</c>.</param>
/// <param name="Top1">Top-1 accuracy in percent.</param>
/// <param name="Top5">Top-5 accuracy in percent.</param>
/// <param name="Source">Where the numbers come from.</param>
public sealed record ReportedAccuracy(string Dataset, string Split, double Top1, double Top5, string Source);
