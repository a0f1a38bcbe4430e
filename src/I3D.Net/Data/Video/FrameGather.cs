using System.Runtime.InteropServices;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Collects decoded frames for a list of requested indices (any order, repeats allowed) into one uint8 buffer
/// <c>[T, H, W, C]</c>, so every reader decodes each distinct frame once, in increasing order. Applies the optional
/// <see cref="FrameGeometry"/> and colour conversion on the way in (resize, then crop, then convert only the crop).
/// </summary>
internal sealed class FrameGather : IDisposable
{
    private readonly Dictionary<int, List<int>> _positions = new();
    private readonly string _path;
    private readonly int _count;
    private readonly FrameGeometry? _geometry;
    private readonly Mat _resized = new();
    private readonly Mat _converted = new();
    private readonly Mat _flipped = new();
    private readonly FloatPlanes? _planes;
    private byte[]? _buffer;
    private Tensor? _floats;       // native [C, T, H, W] float32, written in place (no managed large-object allocation)
    private IntPtr _floatsData;
    private int _height, _width, _channels;

    public FrameGather(IReadOnlyList<int> frameIndices, int frameCount, string path, FrameGeometry? geometry = null, FloatPlanes? planes = null)
    {
        _planes = planes;
        ArgumentNullException.ThrowIfNull(frameIndices);
        if (frameIndices.Count == 0)
            throw new ArgumentException("Expected at least one frame index, found none.", nameof(frameIndices));
        geometry?.Validate();
        _geometry = geometry;
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

    /// <summary>Stores a decoded 8-bit frame, applying the geometry and then <paramref name="conversion"/> (if any).</summary>
    public void Put(int frameIndex, Mat frame, ColorConversionCodes? conversion = null)
    {
        if (frame.Depth() != MatType.CV_8U)
            throw new InvalidDataException($"Expected 8-bit frames in '{_path}', found OpenCV type {frame.Type()}.");
        var current = frame;
        Mat? roi = null;
        try
        {
            if (_geometry is { } g)
            {
                if (current.Width != g.ResizeWidth || current.Height != g.ResizeHeight)
                {
                    Cv2.Resize(current, _resized, new OpenCvSharp.Size(g.ResizeWidth, g.ResizeHeight), 0, 0, InterpolationFlags.Linear);
                    current = _resized;
                }
                if (g.CropWidth != g.ResizeWidth || g.CropHeight != g.ResizeHeight)
                    current = roi = new Mat(current, new Rect(g.CropX, g.CropY, g.CropWidth, g.CropHeight));
                if (g.FlipHorizontal)
                {
                    Cv2.Flip(current, _flipped, FlipMode.Y);
                    current = _flipped;
                }
            }
            if (_planes is { } planes)
            {
                PutPlanes(frameIndex, current, conversion, planes);
                return;
            }
            if (conversion is { } code)
            {
                Cv2.CvtColor(current, _converted, code);
                current = _converted;
            }
            else if (!current.IsContinuous())
            {
                current.CopyTo(_converted);
                current = _converted;
            }
            EnsureBuffer(current.Height, current.Width, current.Channels(), frameIndex);
            var frameBytes = _height * _width * _channels;
            foreach (var pos in _positions[frameIndex])
                Marshal.Copy(current.Data, _buffer!, pos * frameBytes, frameBytes);
        }
        finally
        {
            roi?.Dispose();
        }
    }

    /// <summary>Stores a frame given as packed RGB/gray bytes <c>[H, W, C]</c>.</summary>
    public void Put(int frameIndex, byte[] frame, int height, int width, int channels)
    {
        if (_geometry is null && _planes is null)
        {
            EnsureBuffer(height, width, channels, frameIndex);
            var frameBytes = height * width * channels;
            foreach (var pos in _positions[frameIndex])
                Buffer.BlockCopy(frame, 0, _buffer!, pos * frameBytes, frameBytes);
            return;
        }
        var handle = GCHandle.Alloc(frame, GCHandleType.Pinned);
        try
        {
            using var mat = Mat.FromPixelData(height, width, MatType.CV_8UC(channels), handle.AddrOfPinnedObject());
            Put(frameIndex, mat);
        }
        finally
        {
            handle.Free();
        }
    }

    /// <summary>
    /// The gathered frames as a new tensor: uint8 <c>[T, H, W, C]</c>, or float32 <c>[C, T, H, W]</c> when the gather
    /// was created with <see cref="FloatPlanes"/>.
    /// </summary>
    public Tensor ToTensor()
    {
        if (_floats is not null)
        {
            var result = _floats;
            _floats = null;
            return result;
        }
        if (_buffer is null)
            throw new InvalidOperationException("No frames were stored.");
        return tensor(_buffer, [_count, _height, _width, _channels], ScalarType.Byte);
    }

    /// <summary>Writes each channel of <paramref name="frame"/> as float plane (c, t) of a <c>[C, T, H, W]</c> buffer, scaled.</summary>
    private void PutPlanes(int frameIndex, Mat frame, ColorConversionCodes? conversion, FloatPlanes planes)
    {
        var channels = frame.Channels();
        var (height, width) = (frame.Height, frame.Width);
        if (_floats is null)
        {
            (_height, _width, _channels) = (height, width, channels);
            _floats = empty([channels, _count, height, width], ScalarType.Float32);
            using var storage = _floats.storage<float>();
            _floatsData = storage.data_ptr();
        }
        else if (height != _height || width != _width || channels != _channels)
        {
            throw new InvalidDataException(
                $"Frame {frameIndex} of '{_path}' is {width}x{height}x{channels}, but earlier frames were {_width}x{_height}x{_channels}; " +
                "all frames of a video must have one size.");
        }
        var reverse = conversion switch
        {
            null => false,
            ColorConversionCodes.BGR2RGB => true,
            _ => throw new ArgumentOutOfRangeException(nameof(conversion), conversion, "Only BGR→RGB is supported when writing float planes."),
        };
        var split = Cv2.Split(frame);
        try
        {
            var planeBytes = (long)height * width * sizeof(float);
            var basePtr = _floatsData;
            foreach (var pos in _positions[frameIndex])
            {
                for (var c = 0; c < channels; c++)
                {
                    var source = split[reverse ? channels - 1 - c : c];
                    using var destination = Mat.FromPixelData(height, width, MatType.CV_32FC1,
                        basePtr + (nint)(((long)c * _count + pos) * planeBytes));
                    source.ConvertTo(destination, MatType.CV_32FC1, planes.Scale, planes.Offset);
                }
            }
        }
        finally
        {
            foreach (var m in split)
                m.Dispose();
        }
    }

    public void Dispose()
    {
        _floats?.Dispose();
        _resized.Dispose();
        _converted.Dispose();
        _flipped.Dispose();
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

/// <summary>Float output for <see cref="FrameGather"/>: planes <c>[C, T, H, W]</c> holding <c>value · Scale + Offset</c>.</summary>
internal sealed record FloatPlanes(double Scale, double Offset);
