using I3D.Net.Data.Video;

namespace I3D.Net.Tests.Data.Video;

public class CorruptInputTests
{
    [Fact]
    public void Zero_byte_file_gives_a_clear_error()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("empty.mp4");
        File.WriteAllBytes(path, []);
        var act = () => VideoReader.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*empty.mp4*empty (0 bytes)*");
    }

    [Fact]
    public void Truncated_mp4_gives_a_clear_error()
    {
        using var tmp = new TempFolder();
        var good = DataTestFiles.ColorVideo(tmp, "mp4v", ".mp4");
        var bytes = File.ReadAllBytes(good);
        var path = tmp.File("truncated.mp4");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var act = () => VideoReader.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*could not open*truncated.mp4*damaged, truncated or not a video*");
    }

    [Fact]
    public void Truncated_avi_fails_on_the_missing_frames_not_silently()
    {
        using var tmp = new TempFolder();
        var good = DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");
        var bytes = File.ReadAllBytes(good);
        var path = tmp.File("truncated.avi");
        File.WriteAllBytes(path, bytes[..(bytes.Length * 4 / 10)]);
        IFrameReader? reader = null;
        try
        {
            reader = VideoReader.Open(path);
        }
        catch (InvalidDataException ex)
        {
            ex.Message.Should().Contain("truncated.avi");
            return;
        }
        using (reader)
        {
            using var early = reader.ReadFrames([0, 1, 2]);
            DataTestFiles.ShouldShowFrames(early, [0, 1, 2]);
            var act = () => reader.ReadFrames([reader.Info.FrameCount - 1]);
            act.Should().Throw<InvalidDataException>().WithMessage("*truncated.avi*truncated or damaged*");
        }
    }

    [Fact]
    public void Text_file_with_a_video_extension_gives_a_clear_error()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("notes.mp4");
        File.WriteAllText(path, "this is not a video, just some text\n");
        var act = () => VideoReader.Open(path);
        act.Should().Throw<InvalidDataException>().WithMessage("*notes.mp4* is a text file (it starts 'this is not a video*'), not a video container*");
    }

    [Fact]
    public void Real_video_with_the_wrong_extension_is_read_by_its_content()
    {
        using var tmp = new TempFolder();
        var avi = DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");
        var path = tmp.File("actually_avi.mp4");
        File.Copy(avi, path);
        using var reader = VideoReader.Open(path);
        using var frames = reader.ReadFrames([4]);
        DataTestFiles.ShouldShowFrames(frames, [4]);
    }

    [Fact]
    public void Directory_named_like_a_video_gives_a_clear_error()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("clip.mp4");
        Directory.CreateDirectory(path);
        var open = () => VideoReader.Open(path);
        open.Should().Throw<InvalidDataException>().WithMessage("*clip.mp4*no numbered JPEG/PNG frames*");
        var direct = () => new OpenCvVideoReader(path);
        direct.Should().Throw<InvalidDataException>().WithMessage("*clip.mp4*is a directory*");
    }

    [Fact]
    public void Missing_file_gives_FileNotFound()
    {
        var act = () => VideoReader.Open("/nonexistent/video.mp4");
        act.Should().Throw<FileNotFoundException>().WithMessage("*/nonexistent/video.mp4*does not exist*");
    }

    [Fact]
    public void Corrupt_frame_image_names_the_file()
    {
        using var tmp = new TempFolder();
        FrameFolderReaderTests.WriteFrames(tmp.Path, "img_{0:00000}", 3, extension: ".jpg");
        File.WriteAllText(tmp.File("img_00002.jpg"), "garbage");
        using var reader = new FrameFolderReader(tmp.Path);
        var act = () => reader.ReadFrames([1]);
        act.Should().Throw<InvalidDataException>().WithMessage("*img_00002.jpg*expected a JPEG or PNG*");
    }
}
