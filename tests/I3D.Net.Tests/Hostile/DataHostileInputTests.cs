using I3D.Net.Data.Annotations;
using I3D.Net.Data.Video;
using I3D.Net.Tests.Data.Video;
using I3D.Net.Tests.Data;

namespace I3D.Net.Tests.Hostile;

/// <summary>
/// Issue 14 cases 4–7 for the data pipeline: each hostile input, generated here, is refused with
/// <see cref="InvalidDataException"/> within 5 s and 256 MiB beyond the baseline.
/// </summary>
[Collection(HostileInputCollection.Name)]
public sealed class DataHostileInputTests
{
    [Theory]
    [InlineData("a.mp4 50000000")]
    [InlineData("a.mp4 2147483647")]
    public void Case4_an_18_byte_list_cannot_ask_for_millions_of_classes(string line)
    {
        using var tmp = new TempFolder();
        var list = tmp.File("list.txt");
        File.WriteAllText(list, line);
        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => LabelListAnnotations.Load(list));
        error.Message.Should().Contain("list.txt:1:").And.Contain("MaxClasses");
    }

    [Fact]
    public void Case5_a_png_declaring_20000x20000_is_refused_from_its_header()
    {
        using var tmp = new TempFolder();
        DataHostileFiles.WriteHugePng(tmp.File("img_00001.png"), 20000, 20000);
        new FileInfo(tmp.File("img_00001.png")).Length.Should().BeLessThan(2 << 20, "the input is small; only its header is large");
        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => new FrameFolderReader(tmp.Path));
        error.Message.Should().Contain("img_00001.png").And.Contain("20000×20000").And.Contain("MaxFramePixels");
    }

    [Fact]
    public void Case7_a_fifo_in_a_frame_folder_is_refused_not_waited_on()
    {
        using var tmp = new TempFolder();
        FrameFolderReaderTests.WriteFrames(tmp.Path, "img_{0:00000}", 1, extension: ".jpg");
        var fifo = tmp.File("img_00002.jpg");
        Assert.SkipUnless(DataHostileFiles.TryMakeFifo(fifo), "mkfifo is not available");
        try
        {
            var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() =>
            {
                using var reader = new FrameFolderReader(tmp.Path);
                using var frames = reader.ReadFrames([0, 1]);
            });
            error.Message.Should().Contain("img_00002.jpg' is a FIFO (named pipe), not a regular file");
        }
        finally
        {
            DataHostileFiles.Unblock(fifo);   // a reader stuck in open() (the bug) gets end-of-file and ends
        }
    }

    [Fact]
    public void Case6_an_ffconcat_script_named_mp4_is_refused_by_content()
    {
        using var tmp = new TempFolder();
        var path = VideoContainerTests.ConcatScript(tmp, 20_000);
        new FileInfo(path).Length.Should().BeInRange(300_000, 500_000);
        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => VideoReader.Open(path));
        error.Message.Should().Contain("concat.mp4").And.Contain("an FFmpeg concat script");
    }

    [Fact]
    public void Case6_an_m3u8_playlist_named_mp4_is_refused_by_content()
    {
        using var tmp = new TempFolder();
        var path = VideoContainerTests.Playlist(tmp, 20_000);
        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => VideoReader.Open(path));
        error.Message.Should().Contain("playlist.mp4").And.Contain("an M3U/HLS playlist");
    }

    [Fact]
    public void Case7_a_fifo_named_like_a_video_is_refused_not_waited_on()
    {
        using var tmp = new TempFolder();
        var fifo = tmp.File("clip.mp4");
        Assert.SkipUnless(DataHostileFiles.TryMakeFifo(fifo), "mkfifo is not available");
        try
        {
            var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => VideoReader.Open(fifo));
            error.Message.Should().Contain("clip.mp4' is a FIFO (named pipe)");
        }
        finally
        {
            DataHostileFiles.Unblock(fifo);
        }
    }

    [Fact]
    public void Case7_an_annotation_file_or_class_map_that_is_a_fifo_is_refused_not_waited_on()
    {
        using var tmp = new TempFolder();
        var fifo = tmp.File("list.txt");
        Assert.SkipUnless(DataHostileFiles.TryMakeFifo(fifo), "mkfifo is not available");
        try
        {
            ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => LabelListAnnotations.Load(fifo))
                .Message.Should().Contain("list.txt' is a FIFO (named pipe)");
            ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => ClassMap.Load(fifo))
                .Message.Should().Contain("is a FIFO");
        }
        finally
        {
            DataHostileFiles.Unblock(fifo);
        }
    }
}
