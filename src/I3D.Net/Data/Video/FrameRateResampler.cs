namespace I3D.Net.Data.Video;

/// <summary>
/// Maps frames of a video at its own rate onto a target rate (I3D sampled Kinetics at 25 fps): target frame j shows
/// the source frame on screen at time j / target fps.
/// </summary>
public static class FrameRateResampler
{
    /// <summary>Number of frames the video has at <paramref name="targetFps"/> (at least 1).</summary>
    /// <param name="sourceFrames">Frames at the source rate.</param>
    /// <param name="sourceFps">The source rate; 0 (unknown) means no resampling.</param>
    /// <param name="targetFps">The target rate; null means no resampling.</param>
    public static int ResampledCount(int sourceFrames, double sourceFps, double? targetFps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceFrames);
        if (targetFps is null || sourceFps <= 0 || Math.Abs(sourceFps - targetFps.Value) < 1e-6)
            return sourceFrames;
        if (!(targetFps > 0))
            throw new ArgumentOutOfRangeException(nameof(targetFps), targetFps, "Expected a positive target frame rate.");
        return Math.Max(1, (int)Math.Floor(sourceFrames * targetFps.Value / sourceFps + 1e-9));
    }

    /// <summary>The source frame for target frame <paramref name="targetIndex"/>.</summary>
    public static int SourceIndex(int targetIndex, int sourceFrames, double sourceFps, double? targetFps)
    {
        if (targetFps is null || sourceFps <= 0 || Math.Abs(sourceFps - targetFps.Value) < 1e-6)
            return Math.Min(targetIndex, sourceFrames - 1);
        var index = (int)Math.Floor(targetIndex * sourceFps / targetFps.Value + 1e-9);
        return Math.Clamp(index, 0, sourceFrames - 1);
    }

    /// <summary>Maps target-rate frame indices to source frame indices.</summary>
    public static int[] SourceIndices(IReadOnlyList<int> targetIndices, int sourceFrames, double sourceFps, double? targetFps) =>
        targetIndices.Select(j => SourceIndex(j, sourceFrames, sourceFps, targetFps)).ToArray();
}
