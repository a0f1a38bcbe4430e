namespace I3D.Net.Data.Sampling;

/// <summary>
/// Chooses which frames form a clip of <c>T</c> frames taken every <c>stride</c> frames. Videos shorter than a
/// window are looped (frame indices wrap around), as I3D did for Kinetics training.
/// </summary>
public static class ClipSampler
{
    /// <summary>A window at a uniformly random start (training). The span is (T−1)·stride+1 frames.</summary>
    public static int[] RandomWindow(int frameCount, int clipLength, int stride, ref CounterRandom random)
    {
        Validate(frameCount, clipLength, stride);
        var span = Span(clipLength, stride);
        var start = frameCount > span ? random.NextInt(frameCount - span + 1) : 0;
        return Window(start, frameCount, clipLength, stride);
    }

    /// <summary>The window in the middle of the video (validation).</summary>
    public static int[] CenterWindow(int frameCount, int clipLength, int stride)
    {
        Validate(frameCount, clipLength, stride);
        return Window(Math.Max(0, (frameCount - Span(clipLength, stride)) / 2), frameCount, clipLength, stride);
    }

    /// <summary>
    /// <paramref name="count"/> windows with starts evenly spaced from the first to the last possible start (test-time
    /// averaging); for one window this is the centre window.
    /// </summary>
    public static int[][] EvenlySpacedWindows(int frameCount, int clipLength, int stride, int count)
    {
        Validate(frameCount, clipLength, stride);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        if (count == 1)
            return [CenterWindow(frameCount, clipLength, stride)];
        var lastStart = Math.Max(0, frameCount - Span(clipLength, stride));
        return Enumerable.Range(0, count)
            .Select(k => Window((int)Math.Round((double)k * lastStart / (count - 1)), frameCount, clipLength, stride))
            .ToArray();
    }

    /// <summary>Frames start, start+stride, … wrapping around the end of a short video.</summary>
    public static int[] Window(int start, int frameCount, int clipLength, int stride)
    {
        Validate(frameCount, clipLength, stride);
        var frames = new int[clipLength];
        for (var t = 0; t < clipLength; t++)
            frames[t] = (start + t * stride) % frameCount;
        return frames;
    }

    private static int Span(int clipLength, int stride) => (clipLength - 1) * stride + 1;

    private static void Validate(int frameCount, int clipLength, int stride)
    {
        if (frameCount <= 0)
            throw new ArgumentOutOfRangeException(nameof(frameCount), frameCount, "Expected a video with at least one frame.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(clipLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
    }
}
