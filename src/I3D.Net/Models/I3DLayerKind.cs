namespace I3D.Net.Models;

/// <summary>What an <see cref="I3DLayerSpec"/> row builds.</summary>
public enum I3DLayerKind
{
    /// <summary>A convolution + BatchNorm + ReLU unit (<see cref="Layers.InflatedConv3d"/>); one width: its filters.</summary>
    Conv,

    /// <summary>A TF-"SAME" max pool (<see cref="Layers.MaxPool3dTfSame"/>); no widths, no parameters.</summary>
    MaxPool,

    /// <summary>An inflated Inception block (<see cref="Layers.Inception3DBlock"/>); six widths
    /// <c>[b0, b1a, b1b, b2a, b2b, b3b]</c>. Its kernel is the 3×3×3 of branches 1 and 2, its stride 1.</summary>
    Inception,
}
