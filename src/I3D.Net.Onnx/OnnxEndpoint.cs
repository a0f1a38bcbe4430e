using I3D.Net.Models;

namespace I3D.Net.Onnx;

/// <summary>What an exported graph outputs: the logits, the pooled clip features, or one layer's feature map.</summary>
/// <remarks>Convert from <see cref="I3DEndpoint"/> implicitly to export that layer's map, e.g.
/// <c>Endpoint = I3DEndpoint.Mixed_5c</c>; <see cref="I3DEndpoint.Logits"/> converts to <see cref="Logits"/>.</remarks>
public readonly record struct OnnxEndpoint
{
    private OnnxEndpoint(OnnxEndpointKind kind, I3DEndpoint layer)
    {
        Kind = kind;
        Layer = layer;
    }

    /// <summary>Which kind of output this is.</summary>
    public OnnxEndpointKind Kind { get; }

    /// <summary>For <see cref="OnnxEndpointKind.Layer"/>, the layer whose output <c>[B, C, T', H', W']</c> is exported;
    /// <see cref="I3DEndpoint.Logits"/> otherwise.</summary>
    public I3DEndpoint Layer { get; }

    /// <summary>Logits <c>[B, NumClasses]</c>, as the model's <c>forward</c> (the default).</summary>
    public static OnnxEndpoint Logits { get; } = new(OnnxEndpointKind.Logits, I3DEndpoint.Logits);

    /// <summary>Clip features <c>[B, 1024]</c> (two streams: <c>[B, 2048]</c>, RGB then flow), as
    /// <see cref="InceptionI3D.ExtractFeatures"/>: Mixed_5c after the head's average pool, averaged over time and space.</summary>
    public static OnnxEndpoint PooledFeatures { get; } = new(OnnxEndpointKind.PooledFeatures, I3DEndpoint.Mixed_5c);

    /// <summary>The output of one layer, as <see cref="InceptionI3D.ForwardTo"/>.</summary>
    /// <param name="layer">The layer; <see cref="I3DEndpoint.Logits"/> gives <see cref="Logits"/>.</param>
    public static OnnxEndpoint FromLayer(I3DEndpoint layer)
    {
        if (!Enum.IsDefined(layer))
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"{(int)layer} is not an {nameof(I3DEndpoint)}.");
        return layer == I3DEndpoint.Logits ? Logits : new OnnxEndpoint(OnnxEndpointKind.Layer, layer);
    }

    /// <summary>The output of one layer (<see cref="FromLayer"/>).</summary>
    /// <param name="layer">The layer.</param>
    public static implicit operator OnnxEndpoint(I3DEndpoint layer) => FromLayer(layer);

    /// <summary>The graph output's name: <c>logits</c>, <c>features</c> or the layer's name (e.g. <c>Mixed_5c</c>).</summary>
    public string OutputName => Kind switch
    {
        OnnxEndpointKind.Logits => "logits",
        OnnxEndpointKind.PooledFeatures => "features",
        _ => Layer.ToString(),
    };

    /// <inheritdoc />
    public override string ToString() => OutputName;
}

/// <summary>The kinds of <see cref="OnnxEndpoint"/>.</summary>
public enum OnnxEndpointKind
{
    /// <summary>Logits <c>[B, NumClasses]</c>.</summary>
    Logits,
    /// <summary>Pooled 1024-d clip features.</summary>
    PooledFeatures,
    /// <summary>One layer's feature map.</summary>
    Layer,
}
