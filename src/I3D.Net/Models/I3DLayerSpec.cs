using I3D.Net.Layers;

namespace I3D.Net.Models;

/// <summary>
/// One row of an <see cref="I3DArchitecture"/>: the endpoint (which is also the layer's state-dict name), what it is,
/// its kernel, stride and widths.
/// </summary>
/// <param name="Endpoint">The endpoint; the layer's state-dict prefix is its name (e.g. <c>Mixed_3b.</c>).</param>
/// <param name="Kind">What the row builds.</param>
/// <param name="Kernel">Kernel size (T, H, W).</param>
/// <param name="Stride">Stride (T, H, W).</param>
/// <param name="Widths">Output widths: <c>[filters]</c> for a conv, none for a pool, the six branch widths
/// <c>[b0, b1a, b1b, b2a, b2b, b3b]</c> for an Inception block.</param>
public sealed record I3DLayerSpec(I3DEndpoint Endpoint, I3DLayerKind Kind, (long T, long H, long W) Kernel,
    (long T, long H, long W) Stride, IReadOnlyList<int> Widths)
{
    /// <summary>A conv + BN + ReLU row.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="filters">Output channels.</param>
    /// <param name="kernel">Kernel size (T, H, W).</param>
    /// <param name="stride">Stride (T, H, W); 1 when null.</param>
    public static I3DLayerSpec Conv(I3DEndpoint endpoint, int filters, (long T, long H, long W) kernel, (long T, long H, long W)? stride = null) =>
        new(endpoint, I3DLayerKind.Conv, kernel, stride ?? (1, 1, 1), [filters]);

    /// <summary>A max-pool row.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="kernel">Window (T, H, W).</param>
    /// <param name="stride">Stride (T, H, W).</param>
    public static I3DLayerSpec MaxPool(I3DEndpoint endpoint, (long T, long H, long W) kernel, (long T, long H, long W) stride) =>
        new(endpoint, I3DLayerKind.MaxPool, kernel, stride, []);

    /// <summary>An Inception-block row.</summary>
    /// <param name="endpoint">The endpoint.</param>
    /// <param name="b0">Branch 0: 1×1×1 conv.</param>
    /// <param name="b1a">Branch 1: 1×1×1 reduction.</param>
    /// <param name="b1b">Branch 1: 3×3×3 conv.</param>
    /// <param name="b2a">Branch 2: 1×1×1 reduction.</param>
    /// <param name="b2b">Branch 2: 3×3×3 conv.</param>
    /// <param name="b3b">Branch 3: 1×1×1 projection after the 3×3×3 pool.</param>
    public static I3DLayerSpec Inception(I3DEndpoint endpoint, int b0, int b1a, int b1b, int b2a, int b2b, int b3b) =>
        new(endpoint, I3DLayerKind.Inception, (3, 3, 3), (1, 1, 1), [b0, b1a, b1b, b2a, b2b, b3b]);

    /// <summary>The state-dict key prefix of the layer: its endpoint name.</summary>
    public string Name => Endpoint.ToString();

    /// <summary>The Inception branch widths (an <see cref="I3DLayerKind.Inception"/> row only).</summary>
    public InceptionBranchWidths BranchWidths => Kind == I3DLayerKind.Inception
        ? InceptionBranchWidths.FromArray(Widths)
        : throw new InvalidOperationException($"{Endpoint} is a {Kind} row, not an Inception block.");

    /// <summary>Output channels given the input channels (a pool keeps them).</summary>
    /// <param name="inChannels">Channels entering the layer.</param>
    public long OutChannels(long inChannels) => Kind switch
    {
        I3DLayerKind.Conv => Widths[0],
        I3DLayerKind.Inception => BranchWidths.OutputChannels,
        _ => inChannels,
    };
}
