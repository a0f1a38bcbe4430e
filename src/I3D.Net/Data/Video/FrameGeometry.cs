namespace I3D.Net.Data.Video;

/// <summary>
/// A resize followed by a crop (and optionally a mirror), applied to each frame while it is decoded (on 8-bit pixels, with OpenCV's
/// bilinear resize), which is much cheaper than resizing float clip tensors afterwards.
/// </summary>
/// <param name="ResizeWidth">Width to resize each frame to before cropping.</param>
/// <param name="ResizeHeight">Height to resize each frame to before cropping.</param>
/// <param name="CropX">Left edge of the crop in the resized frame.</param>
/// <param name="CropY">Top edge of the crop in the resized frame.</param>
/// <param name="CropWidth">Crop width.</param>
/// <param name="CropHeight">Crop height.</param>
public sealed record FrameGeometry(int ResizeWidth, int ResizeHeight, int CropX, int CropY, int CropWidth, int CropHeight)
{
    /// <summary>Mirror each cropped frame left–right (pixels only: flow readers do not negate x; the caller does).</summary>
    public bool FlipHorizontal { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the crop does not lie inside the resized frame.</summary>
    public void Validate()
    {
        if (ResizeWidth <= 0 || ResizeHeight <= 0 || CropWidth <= 0 || CropHeight <= 0 || CropX < 0 || CropY < 0 ||
            CropX + CropWidth > ResizeWidth || CropY + CropHeight > ResizeHeight)
            throw new ArgumentException(
                $"The crop {CropWidth}x{CropHeight} at ({CropX}, {CropY}) does not fit in the resized {ResizeWidth}x{ResizeHeight} frame.");
    }
}
