using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Reads frames by index from one video: a video file, a folder of frames or a folder of optical-flow images.
/// A reader is used by one thread at a time; open one reader per worker.
/// </summary>
public interface IFrameReader : IDisposable
{
    /// <summary>The file or folder being read.</summary>
    string Path { get; }

    /// <summary>Frame count, frame rate and frame size.</summary>
    VideoInfo Info { get; }

    /// <summary>
    /// Decodes the frames at <paramref name="frameIndices"/> (any order, repeats allowed, each in
    /// [0, <see cref="VideoInfo.FrameCount"/>)) into a new CPU tensor <c>[T, H, W, C]</c> of uint8, where C is
    /// <see cref="VideoInfo.Channels"/>: RGB order for video, (x, y) for flow. The caller owns the tensor.
    /// </summary>
    /// <param name="frameIndices">The frames to decode.</param>
    /// <param name="geometry">An optional resize and crop applied to each frame as it is decoded; the output is then <c>[T, CropHeight, CropWidth, C]</c>.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the video.</exception>
    /// <exception cref="System.IO.InvalidDataException">The frames cannot be decoded.</exception>
    Tensor ReadFrames(IReadOnlyList<int> frameIndices, FrameGeometry? geometry = null);

    /// <summary>
    /// Decodes like <see cref="ReadFrames"/> but returns float32 <c>[C, T, H, W]</c> holding
    /// <c>value · scale + offset</c>, written plane by plane as frames decode (one pass instead of a permute, a
    /// conversion and two arithmetic passes over the clip). For example scale 1/127.5, offset −1 gives I3D's RGB input.
    /// </summary>
    Tensor ReadFramesChannelsFirst(IReadOnlyList<int> frameIndices, FrameGeometry? geometry, double scale, double offset)
    {
        using var scope = NewDisposeScope();
        var frames = ReadFrames(frameIndices, geometry);
        return frames.permute(3, 0, 1, 2).to_type(ScalarType.Float32).mul(scale).add_(offset).contiguous().MoveToOuterDisposeScope();
    }
}
