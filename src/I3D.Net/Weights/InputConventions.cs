namespace I3D.Net.Weights;

/// <summary>How the input of one stream must be prepared for a set of weights to give the reported results.</summary>
public sealed record InputConventions
{
    /// <summary>RGB or optical flow.</summary>
    public required InputModality Modality { get; init; }

    /// <summary>Number of input channels (3 for RGB, 2 for flow).</summary>
    public required int Channels { get; init; }

    /// <summary>Frame height in pixels (after resizing and cropping).</summary>
    public int Height { get; init; } = 224;

    /// <summary>Frame width in pixels (after resizing and cropping).</summary>
    public int Width { get; init; } = 224;

    /// <summary>Frame rate the video is resampled to, or <see langword="null"/> for image models.</summary>
    public double? FramesPerSecond { get; init; }

    /// <summary>
    /// The shortest clip, in frames, the weights were trained on (I3D: 64-frame training clips; the reported test
    /// results run the whole ~250-frame video), or <see langword="null"/> for image models.
    /// </summary>
    public int? MinFrames { get; init; }

    /// <summary>Smallest value of the prepared input.</summary>
    public double ValueMin { get; init; } = -1;

    /// <summary>Largest value of the prepared input.</summary>
    public double ValueMax { get; init; } = 1;

    /// <summary>For flow: displacements are clipped to ±this many pixels, then divided by it into [-1, 1].</summary>
    public double? FlowClipPixels { get; init; }

    /// <summary>Per-channel mean subtracted after scaling to [0, 1] (ImageNet-style normalisation), if any.</summary>
    public IReadOnlyList<double>? Mean { get; init; }

    /// <summary>Per-channel standard deviation divided by after subtracting <see cref="Mean"/>, if any.</summary>
    public IReadOnlyList<double>? Std { get; init; }

    /// <summary>The conventions in words.</summary>
    public required string Description { get; init; }
}
