using System.Runtime.InteropServices;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Collects decoded frames for a list of requested indices (any order, repeats allowed) into one uint8 buffer
/// <c>[T, H, W, C]</c>, so every reader decodes each distinct frame once, in increasing order.
/// </summary>
internal sealed class FrameGather
{
    private readonly Dictionary<int, List<int>> _positions = new();
    private readonly string _path;
    private readonly int _count;
    private byte[]? _buffer;
    private int _height, _width, _channels;

    public FrameGather(IReadOnlyList<int> frameIndices, int frameCount, string path)
    {
        ArgumentNullException.ThrowIfNull(frameIndices);
        if (frameIndices.Count == 0)
            throw new ArgumentException("Expected at least one frame index, found none.", nameof(frameIndices));
        _path = path;
        _count = frameIndices.Count;
        for (var i = 0; i < frameIndices.Count; i++)
        {
            var f = frameIndices[i];
            if ((uint)f >= (uint)frameCount)
                throw new ArgumentOutOfRangeException(nameof(frameIndices), f,
                    $"Frame index {f} is outside '{path}', which has {frameCount} frames.");
            if (!_positions.TryGetValue(f, out var list))
                _positions[f] = list = new List<int>(1);
            list.Add(i);
        }
        Distinct = _positions.Keys.Order().ToArray();
    }

    /// <summary>The distinct requested frame indices in increasing order.</summary>
    public int[] Distinct { get; }

    /// <summary>Stores a frame given as a continuous 8-bit Mat of 1 to 4 channels (already in output order).</summary>
    public void Put(int frameIndex, Mat frame)
    {
        if (frame.Depth() != MatType.CV_8U)
            throw new InvalidDataException($"Expected 8-bit frames in '{_path}', found OpenCV type {frame.Type()}.");
        using var continuous = frame.IsContinuous() ? null : frame.Clone();
        var src = continuous ?? frame;
        EnsureBuffer(src.Height, src.Width, src.Channels(), frameIndex);
        var frameBytes = _height * _width * _channels;
        foreach (var pos in _positions[frameIndex])
            Marshal.Copy(src.Data, _buffer!, pos * frameBytes, frameBytes);
    }

    /// <summary>Stores a frame given as packed bytes <c>[H, W, C]</c>.</summary>
    public void Put(int frameIndex, ReadOnlySpan<byte> frame, int height, int width, int channels)
    {
        EnsureBuffer(height, width, channels, frameIndex);
        var frameBytes = height * width * channels;
        foreach (var pos in _positions[frameIndex])
            frame[..frameBytes].CopyTo(_buffer.AsSpan(pos * frameBytes, frameBytes));
    }

    /// <summary>The gathered frames as a new uint8 tensor <c>[T, H, W, C]</c>.</summary>
    public Tensor ToTensor()
    {
        if (_buffer is null)
            throw new InvalidOperationException("No frames were stored.");
        return tensor(_buffer, [_count, _height, _width, _channels], ScalarType.Byte);
    }

    private void EnsureBuffer(int height, int width, int channels, int frameIndex)
    {
        if (_buffer is null)
        {
            (_height, _width, _channels) = (height, width, channels);
            _buffer = new byte[(long)_count * height * width * channels];
        }
        else if (height != _height || width != _width || channels != _channels)
        {
            throw new InvalidDataException(
                $"Frame {frameIndex} of '{_path}' is {width}x{height}x{channels}, but earlier frames were {_width}x{_height}x{_channels}; " +
                "all frames of a video must have one size.");
        }
    }
}
