using System.Collections.Concurrent;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Data.Video;

/// <summary>
/// Reads video files through OpenCV's FFmpeg backend (the <c>OpenCvSharp4</c> package; applications add a native
/// runtime such as <c>OpenCvSharp4.official.runtime.linux-x64</c>). Frames come out as RGB.
/// Use <see cref="VideoReader.Open"/> to get the FFmpeg-process fallback for files OpenCV cannot decode.
/// </summary>
public sealed class OpenCvVideoReader : IFrameReader
{
    // Whether seeking is frame-exact, verified once per (codec, container) and process.
    private static readonly ConcurrentDictionary<string, bool> SeekExactByCodec = new(StringComparer.Ordinal);

    private readonly VideoReaderOptions _options;
    private VideoCapture _capture;
    private Mat? _firstFrame;      // frame 0, kept from the open-time check so it never needs a re-read
    private int _position;         // index of the frame the capture returns next
    private int _decodableEnd;     // frames at or after this index failed to decode
    private bool? _seekExact;

    /// <summary>Opens <paramref name="path"/> and decodes its first frame.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="I3D.Net.Runtime.I3DNativeLibraryException">OpenCV's native library cannot be loaded (the message names the package to add).</exception>
    /// <exception cref="InvalidDataException">
    /// The file is not a regular file, not a recognised media container (text such as concat scripts and playlists
    /// never is), a truncated GIF, declares frames over <see cref="VideoReaderOptions.MaxFramePixels"/>, or OpenCV
    /// cannot open it or decodes no frame from it.
    /// </exception>
    public OpenCvVideoReader(string path, VideoReaderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _options = options ?? VideoReaderOptions.Default;
        _options.Validate();
        Path = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(Path))
            throw new InvalidDataException($"'{Path}' is a directory, not a video file; open frame folders with FrameFolderReader.");
        if (!File.Exists(Path))
            throw new FileNotFoundException($"Video file '{Path}' does not exist.", Path);
        OpenCvNative.EnsureLoaded();
        Container = VideoContainer.Check(Path, _options);

        _capture = OpenCapture(Path);
        var fourCc = CleanFourCc(_capture.FourCC);
        var count = (int)Math.Max(0, Math.Round(_capture.Get(VideoCaptureProperties.FrameCount)));
        var fps = _capture.Fps is > 0 and < 1000 ? _capture.Fps : 0;
        var width = _capture.FrameWidth;
        var height = _capture.FrameHeight;

        if ((long)width * height > _options.MaxFramePixels)
        {
            _capture.Dispose();
            throw new InvalidDataException(
                $"'{Path}' ({Container}, codec {fourCc}) declares {width}×{height} frames, more than VideoReaderOptions.MaxFramePixels ({_options.MaxFramePixels:N0}) pixels; raise MaxFramePixels to read it.");
        }

        var first = new Mat();
        if (!_capture.Read(first) || first.Empty())
        {
            first.Dispose();
            _capture.Dispose();
            throw NoDecodableFrames.Create(Path, fourCc);
        }
        _firstFrame = new Mat();
        Cv2.CvtColor(first, _firstFrame, ColorConversionCodes.BGR2RGB);
        first.Dispose();
        _position = 1;
        if (count <= 0)
            count = CountFramesSequentially();
        _decodableEnd = count;
        Info = new VideoInfo(count, fps, _firstFrame.Width > 0 ? _firstFrame.Width : width,
            _firstFrame.Height > 0 ? _firstFrame.Height : height, 3, fourCc);
        _seekExact = _options.SeekMode switch
        {
            SeekMode.Seek => true,
            SeekMode.Sequential => false,
            _ => null, // verified on the first out-of-sequence read
        };
    }

    /// <inheritdoc />
    public string Path { get; }

    /// <inheritdoc />
    public VideoInfo Info { get; }

    /// <summary>The container identified from the file's first bytes (e.g. "MP4/MOV", "Matroska/WebM").</summary>
    public string Container { get; }

    /// <summary>Whether this reader seeks (true), decodes sequentially (false) or has not needed to decide yet (null).</summary>
    public bool? SeeksExactly => _seekExact;

    /// <inheritdoc />
    public Tensor ReadFrames(IReadOnlyList<int> frameIndices, FrameGeometry? geometry = null) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry));

    /// <inheritdoc />
    public Tensor ReadFramesChannelsFirst(IReadOnlyList<int> frameIndices, FrameGeometry? geometry, double scale, double offset) =>
        Read(new FrameGather(frameIndices, Info.FrameCount, Path, geometry, new FloatPlanes(scale, offset)));

    private Tensor Read(FrameGather gather)
    {
        ObjectDisposedException.ThrowIf(_firstFrame is null, this);
        using var _ = gather;
        using var bgr = new Mat();
        foreach (var index in gather.Distinct)
        {
            if (index == 0)
            {
                gather.Put(0, _firstFrame);
                continue;
            }
            if (index >= _decodableEnd || !TryDecode(index, bgr))
            {
                // Containers often over-estimate the count: repeat the last decodable frame for a short missing tail.
                _decodableEnd = Math.Min(_decodableEnd, Math.Min(index, _position));
                if (Info.FrameCount - _decodableEnd > _options.TailTolerance)
                    throw new InvalidDataException(
                        $"Could not decode frame {index} of '{Path}' (codec {Info.Codec}, {Info.FrameCount} frames reported); " +
                        "the file looks truncated or damaged.");
                var last = _decodableEnd - 1;
                if (last == 0)
                {
                    gather.Put(index, _firstFrame);
                    continue;
                }
                if (!TryDecode(last, bgr))
                    throw new InvalidDataException($"Could not decode frame {last} of '{Path}' (codec {Info.Codec}) on a second attempt.");
            }
            gather.Put(index, bgr, ColorConversionCodes.BGR2RGB);
        }
        return gather.ToTensor();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _firstFrame?.Dispose();
        _firstFrame = null;
        _capture.Dispose();
    }

    /// <summary>Positions the capture at <paramref name="index"/> and decodes that frame into <paramref name="bgr"/>.</summary>
    private bool TryDecode(int index, Mat bgr)
    {
        if (index < _position || index - _position > _options.SeekThreshold)
        {
            _seekExact ??= VerifySeeking();
            if (_seekExact == true)
            {
                _capture.Set(VideoCaptureProperties.PosFrames, index);
                _position = index;
            }
            else if (index < _position)
            {
                _capture.Dispose();
                _capture = OpenCapture(Path);
                _position = 0;
            }
        }
        while (_position < index)
        {
            if (!_capture.Grab())
                return false;
            _position++;
        }
        var ok = _capture.Read(bgr) && !bgr.Empty();
        if (ok)
            _position++;
        return ok;
    }

    private bool VerifySeeking()
    {
        var key = $"{Info.Codec}|{System.IO.Path.GetExtension(Path).ToLowerInvariant()}";
        return SeekExactByCodec.GetOrAdd(key, _ => SeekMatchesSequential(Path, Math.Max(1, Info.FrameCount * 2 / 3)));
    }

    /// <summary>Decodes frame <paramref name="probe"/> once sequentially and once after a seek, and compares them.</summary>
    internal static bool SeekMatchesSequential(string path, int probe)
    {
        using var sequential = OpenCapture(path);
        using var seeking = OpenCapture(path);
        for (var i = 0; i < probe; i++)
        {
            if (!sequential.Grab())
                return false;
        }
        using var expected = new Mat();
        using var actual = new Mat();
        if (!sequential.Read(expected) || expected.Empty())
            return false;
        // Read a frame first so the seek happens from a decoding state, as it will in use.
        using (var warm = new Mat())
            seeking.Read(warm);
        seeking.Set(VideoCaptureProperties.PosFrames, probe);
        if (!seeking.Read(actual) || actual.Empty() || actual.Size() != expected.Size())
            return false;
        return Cv2.Norm(expected, actual, NormTypes.L1) / (expected.Total() * expected.Channels()) < 0.5;
    }

    private int CountFramesSequentially()
    {
        using var counter = OpenCapture(Path);
        var n = 0;
        while (counter.Grab())
            n++;
        return n;
    }

    private static VideoCapture OpenCapture(string path)
    {
        var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        if (!capture.IsOpened())
        {
            capture.Dispose();
            var size = new FileInfo(path).Length;
            throw new InvalidDataException(size == 0
                ? $"Video file '{path}' is empty (0 bytes)."
                : $"OpenCV (FFmpeg backend) could not open '{path}' ({size} bytes): expected a video container (mp4, avi, mkv, webm, gif, …); the file is damaged, truncated or not a video.");
        }
        return capture;
    }

    private static string CleanFourCc(string? fourCc)
    {
        var text = new string((fourCc ?? "").Select(c => char.IsAsciiLetterOrDigit(c) ? c : ' ').ToArray()).Trim();
        return text.Length == 0 ? "unknown" : text;
    }
}
