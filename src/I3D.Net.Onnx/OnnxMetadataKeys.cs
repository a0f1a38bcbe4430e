namespace I3D.Net.Onnx;

/// <summary>The metadata properties (<c>ModelProto.metadata_props</c>) that <see cref="OnnxExport"/> writes.</summary>
public static class OnnxMetadataKeys
{
    /// <summary>The exported model type: <c>InceptionI3D</c>, <c>TwoStreamI3D</c> or <c>FrozenInceptionI3D</c>.</summary>
    public const string ModelType = "i3d.model";

    /// <summary>Class names, a JSON array of strings, one per logit.</summary>
    public const string ClassNames = "i3d.class_names";

    /// <summary>How inputs must be prepared (layout, range, flow convention).</summary>
    public const string InputConvention = "i3d.input_convention";

    /// <summary>Where the weights came from.</summary>
    public const string SourceWeights = "i3d.source_weights";

    /// <summary>The clip size the graph was made for: <c>frames×height×width</c>.</summary>
    public const string ClipSize = "i3d.clip_size";

    /// <summary>The graph's output (<see cref="OnnxEndpoint.OutputName"/>).</summary>
    public const string Endpoint = "i3d.endpoint";

    /// <summary>For two streams, how the logits are fused (a <see cref="Models.StreamFusion"/> name).</summary>
    public const string Fusion = "i3d.fusion";
}
