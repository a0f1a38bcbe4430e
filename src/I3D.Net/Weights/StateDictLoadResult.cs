namespace I3D.Net.Weights;

/// <summary>What <see cref="StateDictLoader"/> copied into a module and which keys did not match.</summary>
/// <param name="Loaded">Model keys that received a value from the source.</param>
/// <param name="Missing">Model keys the source does not hold (left unchanged).</param>
/// <param name="Unexpected">Source keys the model does not have (ignored).</param>
/// <param name="Converted">Loaded keys whose source dtype differed and was converted to the model's dtype.</param>
public sealed record StateDictLoadResult(
    IReadOnlyList<string> Loaded,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> Converted);
