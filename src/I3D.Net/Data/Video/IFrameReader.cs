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
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the video.</exception>
    /// <exception cref="System.IO.InvalidDataException">The frames cannot be decoded.</exception>
    Tensor ReadFrames(IReadOnlyList<int> frameIndices);
}
