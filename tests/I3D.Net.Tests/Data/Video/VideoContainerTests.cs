using System.Text;
using I3D.Net.Data.Video;
using I3D.Net.Tests.Hostile;

namespace I3D.Net.Tests.Data.Video;

/// <summary>Issue 14 items 6, 7 and 11 for video files: only real containers, regular files and complete GIFs are opened.</summary>
public class VideoContainerTests
{
    internal static string ConcatScript(TempFolder tmp, int entries)
    {
        DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");   // colors_MJPG.avi, the file the script lists
        var text = new StringBuilder("ffconcat version 1.0\n");
        for (var i = 0; i < entries; i++)
            text.Append("file colors_MJPG.avi\n");
        var path = tmp.File("concat.mp4");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    internal static string Playlist(TempFolder tmp, int entries)
    {
        DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");
        var text = new StringBuilder("#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
        for (var i = 0; i < entries; i++)
            text.Append("#EXTINF:1.2,\ncolors_MJPG.avi\n");
        text.Append("#EXT-X-ENDLIST\n");
        var path = tmp.File("playlist.mp4");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    [Fact]
    public void A_concat_script_named_mp4_is_refused_by_content_by_both_readers()
    {
        using var tmp = new TempFolder();
        var path = ConcatScript(tmp, 50);
        var act = () => VideoReader.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*concat.mp4* is an FFmpeg concat script, not a video container*");
        var ffmpeg = () => new FfmpegVideoReader(path);
        ffmpeg.Should().Throw<InvalidDataException>().WithMessage("*concat script*");
    }

    [Fact]
    public void A_playlist_named_mp4_is_refused_by_content()
    {
        using var tmp = new TempFolder();
        var path = Playlist(tmp, 50);
        var act = () => VideoReader.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*playlist.mp4* is an M3U/HLS playlist, not a video container*");
    }

    [Fact]
    public void Unknown_binary_is_refused_unless_allowed_and_text_never_is()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("noise.mkv");
        File.WriteAllBytes(path, Enumerable.Range(0, 4000).Select(i => (byte)(i * 7 + 3)).ToArray());
        var act = () => VideoReader.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*noise.mkv* is not a recognised video container (its first bytes are 030A11181F262D343B424950)*AllowUnrecognizedContainers*");
        var allowed = () => VideoReader.Open(path, new VideoReaderOptions { AllowUnrecognizedContainers = true });
        allowed.Should().Throw<InvalidDataException>().WithMessage("*OpenCV (FFmpeg backend) could not open*noise.mkv*");
        var script = ConcatScript(tmp, 3);
        var stillRefused = () => VideoReader.Open(script, new VideoReaderOptions { AllowUnrecognizedContainers = true });
        stillRefused.Should().Throw<InvalidDataException>().WithMessage("*concat script*");
    }

    [Theory]
    [InlineData("MJPG", ".avi", "AVI")]
    [InlineData("mp4v", ".mp4", "MP4/MOV")]
    [InlineData("FFV1", ".mkv", "Matroska/WebM")]
    public void Real_containers_are_recognised(string fourCc, string extension, string container)
    {
        using var tmp = new TempFolder();
        var path = DataTestFiles.ColorVideo(tmp, fourCc, extension);
        using var reader = new OpenCvVideoReader(path);
        reader.Container.Should().Be(container);
        reader.Info.FrameCount.Should().Be(DataTestFiles.Frames);
    }

    [Fact]
    public void Signatures_of_other_containers_are_recognised()
    {
        VideoContainer.Identify([.. Encoding.ASCII.GetBytes("FLV"), 1, 5, 0, 0, 0, 9]).Should().Be("FLV");
        VideoContainer.Identify(Encoding.ASCII.GetBytes("OggS\0\u0002")).Should().Be("OGG");
        VideoContainer.Identify([0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6]).Should().Be("ASF/WMV");
        VideoContainer.Identify([0, 0, 1, 0xBA, 0x44]).Should().Be("MPEG-PS");
        var ts = new byte[400];
        ts[0] = ts[188] = ts[376] = 0x47;
        VideoContainer.Identify(ts).Should().Be("MPEG-TS");
        VideoContainer.Identify(Encoding.ASCII.GetBytes("GIF89a..")).Should().Be("GIF");
        VideoContainer.Identify(Encoding.ASCII.GetBytes("G text that starts with G")).Should().BeNull();
        VideoContainer.TextKind(Encoding.UTF8.GetBytes("\uFEFFv=0\no=- 0 0 IN IP4 127.0.0.1\n")).Should().Be("an SDP session description");
        VideoContainer.TextKind([0x89, 0x50, 0x4E, 0x47]).Should().BeNull();
    }

    [Fact]
    public void A_truncated_gif_is_refused_and_the_complete_one_reads()
    {
        using var tmp = new TempFolder();
        var source = DataTestFiles.FixturePath("kinetics-i3d", "v_CricketShot_g04_c01_rgb.gif");
        using (var complete = VideoReader.Open(source))
            complete.Info.FrameCount.Should().BeGreaterThan(10);
        var bytes = File.ReadAllBytes(source);
        foreach (var fraction in new[] { 0.02, 0.3, 0.9 })
        {
            var path = tmp.File($"cut_{fraction}.gif");
            File.WriteAllBytes(path, bytes[..(int)(bytes.Length * fraction)]);
            var act = () => VideoReader.Open(path);
            act.Should().Throw<InvalidDataException>().WithMessage($"*cut_{fraction}.gif* is truncated: it ends inside*without the GIF trailer*");
        }
    }

    [Fact]
    public void A_fifo_or_a_link_to_a_device_named_like_a_video_is_refused()
    {
        using var tmp = new TempFolder();
        var fifo = tmp.File("pipe.mp4");
        Assert.SkipUnless(DataHostileFiles.TryMakeFifo(fifo), "mkfifo is not available");
        try
        {
            var act = () => VideoReader.Open(fifo);
            act.Should().Throw<InvalidDataException>().WithMessage("*pipe.mp4' is a FIFO (named pipe), not a regular file*");
            var ffmpeg = () => new FfmpegVideoReader(fifo);
            ffmpeg.Should().Throw<InvalidDataException>().WithMessage("*is a FIFO*");
        }
        finally
        {
            DataHostileFiles.Unblock(fifo);
        }
        var zero = tmp.File("zero.avi");
        File.CreateSymbolicLink(zero, "/dev/zero");
        var device = () => VideoReader.Open(zero);
        device.Should().Throw<InvalidDataException>().WithMessage("*zero.avi' is a character device*");
        var good = DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");
        var link = tmp.File("link.avi");
        File.CreateSymbolicLink(link, good);
        using var reader = VideoReader.Open(link);
        reader.Info.FrameCount.Should().Be(DataTestFiles.Frames);
    }

    [Fact]
    public void A_video_over_MaxFramePixels_is_refused_before_decoding()
    {
        using var tmp = new TempFolder();
        var path = DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");   // 64×48
        var act = () => VideoReader.Open(path, new VideoReaderOptions { MaxFramePixels = 64 * 48 - 1 });
        act.Should().Throw<InvalidDataException>().WithMessage("*colors_MJPG.avi* declares 64×48 frames, more than VideoReaderOptions.MaxFramePixels (3,071)*");
        using var reader = VideoReader.Open(path, new VideoReaderOptions { MaxFramePixels = 64 * 48 });
        reader.Info.Width.Should().Be(64);
    }
}
