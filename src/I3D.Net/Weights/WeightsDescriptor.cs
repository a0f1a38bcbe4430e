namespace I3D.Net.Weights;

/// <summary>
/// Describes a published set of weights — where to get it, what it predicts, how to feed it and how well it did —
/// in the manner of torchvision's weights enums. See <c>I3DWeights</c> for the known ones.
/// </summary>
public sealed record WeightsDescriptor
{
    /// <summary>A stable identifier, e.g. <c>kinetics400-rgb-imagenet</c>.</summary>
    public required string Name { get; init; }

    /// <summary>What the weights are, in words.</summary>
    public required string Description { get; init; }

    /// <summary>
    /// The network they fit: <c>InceptionI3D</c>, <c>TwoStreamI3D</c>, or <c>GoogLeNet</c> (a 2D network whose
    /// weights are inflated into I3D by <c>ImageNetInitialization</c>).
    /// </summary>
    public required string Architecture { get; init; }

    /// <summary>The on-disk format of <see cref="Files"/>.</summary>
    public required CheckpointFormat Format { get; init; }

    /// <summary>The files that make up the weights.</summary>
    public required IReadOnlyList<WeightsFile> Files { get; init; }

    /// <summary>Number of output classes of the published logits layer.</summary>
    public required int NumClasses { get; init; }

    /// <summary>The class names in logit order, or <see langword="null"/> where the library does not ship them (ImageNet).</summary>
    public IReadOnlyList<string>? Classes { get; init; }

    /// <summary>How to prepare each stream's input (one entry per stream: RGB, then flow for two-stream weights).</summary>
    public required IReadOnlyList<InputConventions> Inputs { get; init; }

    /// <summary>Whether the weights were trained starting from inflated ImageNet weights (rather than from scratch).</summary>
    public required bool ImageNetPretrained { get; init; }

    /// <summary>The accuracy the authors report, or <see langword="null"/> where this library records none.</summary>
    public ReportedAccuracy? Accuracy { get; init; }

    /// <summary>The licence of the weights (SPDX identifier where one applies).</summary>
    public required string License { get; init; }

    /// <summary>Where the weights are published and described.</summary>
    public required Uri Source { get; init; }

    /// <summary>
    /// For two-stream weights (<see cref="Architecture"/> <c>TwoStreamI3D</c>), the descriptors of the RGB and the flow
    /// stream, in that order; <see langword="null"/> for single-stream weights.
    /// </summary>
    public IReadOnlyList<WeightsDescriptor>? Streams { get; init; }
}
