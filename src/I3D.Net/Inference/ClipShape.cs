namespace I3D.Net.Inference;

/// <summary>The size of one clip a network reads: frames × height × width.</summary>
/// <param name="Frames">Frames per clip (T).</param>
/// <param name="Height">Frame height in pixels (H).</param>
/// <param name="Width">Frame width in pixels (W).</param>
public readonly record struct ClipShape(int Frames, int Height, int Width)
{
    /// <summary>The shape as <c>T×H×W</c>.</summary>
    public override string ToString() => $"{Frames}×{Height}×{Width}";
}
