using I3D.Net.Data.Video;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Video;

public class OpenCvVideoReaderTests
{
    private static readonly int[] Shuffled = [17, 0, 3, 29, 17, 10, 28, 1];

    [Theory]
    [InlineData("mp4v", ".mp4")]
    [InlineData("MJPG", ".avi")]
    [InlineData("XVID", ".avi")]
    public void Reads_frames_by_index_in_RGB_for_codec(string fourCc, string extension)
    {
        using var folder = new TempFolder();
        var path = DataTestFiles.ColorVideo(folder, fourCc, extension);
        using var reader = VideoReader.Open(path);
        reader.Should().BeOfType<OpenCvVideoReader>();
        reader.Info.FrameCount.Should().Be(DataTestFiles.Frames);
        reader.Info.Fps.Should().BeApproximately(25, 1e-6);
        (reader.Info.Width, reader.Info.Height, reader.Info.Channels).Should().Be((64, 48, 3));
        using var frames = reader.ReadFrames(Shuffled);
        frames.dtype.Should().Be(ScalarType.Byte);
        frames.shape.Should().Equal(Shuffled.Length, 48, 64, 3);
        DataTestFiles.ShouldShowFrames(frames, Shuffled);
    }

    [Theory]
    [InlineData("mp4v", ".mp4")]
    [InlineData("MJPG", ".avi")]
    [InlineData("XVID", ".avi")]
    public void Seeking_gives_the_same_pixels_as_sequential_decoding(string fourCc, string extension)
    {
        using var folder = new TempFolder();
        var path = DataTestFiles.ColorVideo(folder, fourCc, extension);
        OpenCvVideoReader.SeekMatchesSequential(path, 21).Should().BeTrue();
        using var seeking = new OpenCvVideoReader(path, new VideoReaderOptions { SeekMode = SeekMode.Seek, SeekThreshold = 0 });
        using var sequential = new OpenCvVideoReader(path, new VideoReaderOptions { SeekMode = SeekMode.Sequential });
        using var a = seeking.ReadFrames(Shuffled);
        using var b = sequential.ReadFrames(Shuffled);
        sequential.SeeksExactly.Should().BeFalse();
        a.eq(b).all().item<bool>().Should().BeTrue("a frame-exact seek decodes the very same pixels as sequential decoding");
    }

    [Fact]
    public void Auto_mode_verifies_seeking_and_then_seeks()
    {
        using var folder = new TempFolder();
        var path = DataTestFiles.ColorVideo(folder, "MJPG", ".avi");
        using var reader = new OpenCvVideoReader(path, new VideoReaderOptions { SeekThreshold = 2 });
        reader.SeeksExactly.Should().BeNull();
        using var frames = reader.ReadFrames([25, 2]);
        reader.SeeksExactly.Should().BeTrue();
        DataTestFiles.ShouldShowFrames(frames, [25, 2]);
    }

    [Fact]
    public void Reads_H264()
    {
        using var folder = new TempFolder();
        var path = folder.File("h264.mp4");
        if (!DataTestFiles.TryWriteColorVideo(path, "avc1"))
        {
            // The bundled OpenCV offers no H.264 encoder here; fall back to Debian's ffmpeg to make the file.
            Assert.SkipUnless(DataTestFiles.FfmpegAvailable, "Neither OpenCV's writer nor an ffmpeg CLI can encode H.264 on this machine.");
            var source = DataTestFiles.ColorVideo(folder, "MJPG", ".avi");
            Assert.SkipUnless(DataTestFiles.TryFfmpegEncode(source, path, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "8", "-bf", "2"),
                "ffmpeg has no libx264 encoder.");
        }
        using var reader = VideoReader.Open(path);
        reader.Info.Codec.Should().BeOneOf("h264", "avc1");
        reader.Info.FrameCount.Should().Be(DataTestFiles.Frames);
        using var frames = reader.ReadFrames(Shuffled);
        DataTestFiles.ShouldShowFrames(frames, Shuffled);
    }

    [Fact]
    public void AV1_that_OpenCV_cannot_decode_falls_back_to_ffmpeg()
    {
        Assert.SkipUnless(DataTestFiles.FfmpegAvailable, "ffmpeg/ffprobe are not installed (apt-get install ffmpeg).");
        using var folder = new TempFolder();
        var source = DataTestFiles.ColorVideo(folder, "MJPG", ".avi");
        var path = folder.File("av1.mp4");
        Assert.SkipUnless(DataTestFiles.TryFfmpegEncode(source, path, "-c:v", "libaom-av1", "-cpu-used", "8", "-pix_fmt", "yuv420p") ||
                   DataTestFiles.TryFfmpegEncode(source, path, "-c:v", "libsvtav1", "-pix_fmt", "yuv420p"), "ffmpeg has no AV1 encoder.");

        bool openCvDecodes;
        try
        {
            using var direct = new OpenCvVideoReader(path);
            openCvDecodes = true;
        }
        catch (InvalidDataException ex)
        {
            ex.Message.Should().Contain("no frame could be decoded").And.Contain("ffmpeg");
            openCvDecodes = false;
        }

        using var reader = VideoReader.Open(path);
        if (!openCvDecodes)
            reader.Should().BeOfType<FfmpegVideoReader>();
        reader.Info.FrameCount.Should().Be(DataTestFiles.Frames);
        reader.Info.Fps.Should().BeApproximately(25, 1e-6);
        using var frames = reader.ReadFrames(Shuffled);
        frames.shape.Should().Equal(Shuffled.Length, 48, 64, 3);
        DataTestFiles.ShouldShowFrames(frames, Shuffled, tolerance: 8);
    }

    [Fact]
    public void Ffmpeg_reader_matches_OpenCV_on_a_codec_both_decode()
    {
        Assert.SkipUnless(DataTestFiles.FfmpegAvailable, "ffmpeg/ffprobe are not installed.");
        using var folder = new TempFolder();
        var path = DataTestFiles.ColorVideo(folder, "MJPG", ".avi");
        using var viaFfmpeg = new FfmpegVideoReader(path);
        viaFfmpeg.Info.FrameCount.Should().Be(DataTestFiles.Frames);
        using var frames = viaFfmpeg.ReadFrames(Shuffled);
        DataTestFiles.ShouldShowFrames(frames, Shuffled);
        var geometry = new FrameGeometry(40, 30, 4, 2, 32, 24) { FlipHorizontal = true };
        using var cropped = viaFfmpeg.ReadFrames(Shuffled, geometry);
        cropped.shape.Should().Equal(Shuffled.Length, 24, 32, 3);
        using var planes = viaFfmpeg.ReadFramesChannelsFirst(Shuffled, geometry, 1 / 127.5, -1);
        using var expected = cropped.permute(3, 0, 1, 2).to_type(ScalarType.Float32).div(127.5).sub(1);
        planes.allclose(expected, rtol: 0, atol: 1e-5).Should().BeTrue();
    }

    [Fact]
    public void Reads_the_real_cricket_GIF_and_seeks_exactly()
    {
        var path = DataTestFiles.FixturePath("kinetics-i3d", "v_CricketShot_g04_c01_rgb.gif");
        using var reader = VideoReader.Open(path);
        reader.Info.FrameCount.Should().Be(79);
        (reader.Info.Width, reader.Info.Height).Should().Be((224, 224));
        using var sequential = new OpenCvVideoReader(path, new VideoReaderOptions { SeekMode = SeekMode.Sequential });
        int[] indices = [78, 0, 40, 41];
        using var a = reader.ReadFrames(indices);
        using var b = sequential.ReadFrames(indices);
        a.eq(b).all().item<bool>().Should().BeTrue();
        // Consecutive frames of real footage differ, and the clip is not blank.
        using var diff = (a[2].to_type(ScalarType.Float32) - a[3].to_type(ScalarType.Float32)).abs().mean();
        diff.item<float>().Should().BeGreaterThan(0.5f);
        using var std = a.to_type(ScalarType.Float32).std();
        std.item<float>().Should().BeGreaterThan(20f);
    }

    [Fact]
    public void Rejects_indices_outside_the_video()
    {
        using var folder = new TempFolder();
        var path = DataTestFiles.ColorVideo(folder, "MJPG", ".avi");
        using var reader = VideoReader.Open(path);
        var act = () => reader.ReadFrames([30]);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*30*30 frames*");
    }
}
