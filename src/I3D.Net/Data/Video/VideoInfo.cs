namespace I3D.Net.Data.Video;

/// <summary>What a frame source holds: frame count, frame rate, frame size and channels.</summary>
/// <param name="FrameCount">Number of decodable frames (for containers that only estimate it, the estimate).</param>
/// <param name="Fps">Frames per second (the nominal rate for frame folders).</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
/// <param name="Channels">Channels per pixel: 3 for RGB, 2 for optical flow (x, y).</param>
/// <param name="Codec">The codec (a FourCC or FFmpeg codec name), or a description of the folder format.</param>
public sealed record VideoInfo(int FrameCount, double Fps, int Width, int Height, int Channels, string Codec)
{
    /// <summary>Duration in seconds (<see cref="FrameCount"/> / <see cref="Fps"/>).</summary>
    public double DurationSeconds => Fps > 0 ? FrameCount / Fps : 0;
}
