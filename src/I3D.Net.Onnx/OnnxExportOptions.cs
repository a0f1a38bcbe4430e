using I3D.Net.Models;

namespace I3D.Net.Onnx;

/// <summary>Options of <see cref="OnnxExport"/>.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Frames per clip. TF-SAME padding depends on the input size, so the graph is made for one clip size;
    /// default 64, the reference's.</summary>
    public int Frames { get; init; } = 64;

    /// <summary>Frame height in pixels (≥ 32). Default 224.</summary>
    public int Height { get; init; } = 224;

    /// <summary>Frame width in pixels (≥ 32). Default 224.</summary>
    public int Width { get; init; } = 224;

    /// <summary>Whether the batch axis is symbolic (<c>batch</c>); when false it is <see cref="BatchSize"/>. Default true.</summary>
    public bool DynamicBatch { get; init; } = true;

    /// <summary>The fixed batch size when <see cref="DynamicBatch"/> is false. Default 1.</summary>
    public int BatchSize { get; init; } = 1;

    /// <summary>The ONNX opset of the default domain, 13 to 21. Default 17.</summary>
    public int Opset { get; init; } = 17;

    /// <summary>Whether BatchNorm is folded into the preceding convolution's weight and bias (default true); when false
    /// each is a <c>BatchNormalization</c> node. <see cref="Models.Inference.FrozenInceptionI3D"/> is folded already.</summary>
    public bool FoldBatchNorm { get; init; } = true;

    /// <summary>What the graph outputs. Default <see cref="OnnxEndpoint.Logits"/>.</summary>
    public OnnxEndpoint Endpoint { get; init; } = OnnxEndpoint.Logits;

    /// <summary>Class names, one per logit, stored as metadata (<see cref="OnnxMetadataKeys.ClassNames"/>); their
    /// count must equal the model's classes. None when null.</summary>
    public IReadOnlyList<string>? ClassNames { get; init; }

    /// <summary>Where the weights came from (a checkpoint name, URL or hash), stored as
    /// <see cref="OnnxMetadataKeys.SourceWeights"/>. None when null.</summary>
    public string? SourceWeights { get; init; }

    /// <summary>How inputs must be prepared, stored as <see cref="OnnxMetadataKeys.InputConvention"/>; when null, the
    /// reference's (RGB in [-1, 1]; TV-L1 flow clipped to ±20 px and scaled to [-1, 1]).</summary>
    public string? InputConvention { get; init; }

    /// <summary>Further metadata properties; keys must not start with <c>i3d.</c>, which the exporter owns.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The default options (64×224×224 clips, dynamic batch, opset 17, BatchNorm folded, logits).</summary>
    public static OnnxExportOptions Default { get; } = new();

    /// <summary>Smallest opset supported.</summary>
    public const int MinimumOpset = 13;

    /// <summary>Largest opset supported.</summary>
    public const int MaximumOpset = 21;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (Frames < 1)
            throw new ArgumentException($"{nameof(Frames)} must be at least 1; found {Frames}.");
        if (Height < InceptionI3D.MinimumSpatialSize || Width < InceptionI3D.MinimumSpatialSize)
            throw new ArgumentException(
                $"{nameof(Height)} and {nameof(Width)} must be at least {InceptionI3D.MinimumSpatialSize}; found {Height}×{Width}.");
        if (!DynamicBatch && BatchSize < 1)
            throw new ArgumentException($"{nameof(BatchSize)} must be at least 1; found {BatchSize}.");
        if (Opset < MinimumOpset || Opset > MaximumOpset)
            throw new ArgumentException($"{nameof(Opset)} must be {MinimumOpset} to {MaximumOpset}; found {Opset}.");
        if (!Enum.IsDefined(Endpoint.Kind) || !Enum.IsDefined(Endpoint.Layer))
            throw new ArgumentException($"{nameof(Endpoint)} is not a valid endpoint.");
        if (ClassNames is { } names && names.Any(string.IsNullOrEmpty))
            throw new ArgumentException($"{nameof(ClassNames)} must not contain null or empty names.");
        if (Metadata is { } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                if (string.IsNullOrEmpty(key) || key.StartsWith("i3d.", StringComparison.Ordinal))
                    throw new ArgumentException($"Metadata key '{key}' is empty or uses the exporter's prefix 'i3d.'.");
                if (value is null)
                    throw new ArgumentException($"Metadata '{key}' has a null value.");
            }
        }
    }
}
