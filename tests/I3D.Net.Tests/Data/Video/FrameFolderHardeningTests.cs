using I3D.Net.Data.Video;
using I3D.Net.Tests.Hostile;
using OpenCvSharp;

namespace I3D.Net.Tests.Data.Video;

/// <summary>Issue 14 items 5, 7 and 10 for frame and flow folders (the budgeted runs are in Hostile/DataHostileInputTests).</summary>
public class FrameFolderHardeningTests
{
    [Fact]
    public void Frame_files_that_share_a_number_are_an_error_naming_them()
    {
        using var tmp = new TempFolder();
        FrameFolderReaderTests.WriteFrames(tmp.Path, "img_{0}", 2, extension: ".jpg");                 // img_1, img_2
        FrameFolderReaderTests.WriteFrames(tmp.Path, "img_{0:00}", 1, extension: ".jpg");              // img_01
        FrameFolderReaderTests.WriteFrames(tmp.Path, "img_{0:000}", 1, extension: ".png");             // img_001
        var act = () => new FrameFolderReader(tmp.Path);
        act.Should().Throw<InvalidDataException>()
            .WithMessage("*several files for one frame number (frame 1: 'img_001.png', 'img_01.jpg', 'img_1.jpg')*");
    }

    [Fact]
    public void A_duplicate_flow_pair_is_an_error_naming_the_files()
    {
        using var tmp = new TempFolder();
        FrameFolderReaderTests.WriteFlow(tmp.Path, "x_", "y_", 3, t => (128, 128));
        File.Copy(tmp.File("x_00002.jpg"), tmp.File("x_2.jpg"));
        var act = () => new FlowFolderReader(tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage("*frame 2: 'x_00002.jpg', 'x_2.jpg'*");
    }

    [Theory]
    [InlineData("img_99999999999999999999.jpg", "*img_99999999999999999999.jpg*more than the largest frame number*")]
    [InlineData("img_\u0660\u0660\u0661.jpg", "*is not ASCII digits 0-9*")]
    [InlineData("img_1\u0662.png", "*is not ASCII digits 0-9*")]
    public void Frame_numbers_that_do_not_parse_are_InvalidData_naming_the_file(string name, string message)
    {
        using var tmp = new TempFolder();
        FrameFolderReaderTests.WriteFrames(tmp.Path, "img_{0:00000}", 2, extension: ".jpg");
        File.Copy(tmp.File("img_00001.jpg"), tmp.File(name));
        var act = () => new FrameFolderReader(tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage(message);
        var flow = () => new FlowFolderReader(tmp.Path);
        flow.Should().Throw<InvalidDataException>().WithMessage(message);
    }

    [Fact]
    public void A_frame_larger_than_MaxFramePixels_is_refused_from_its_header_and_the_cap_can_be_raised()
    {
        using var tmp = new TempFolder();
        DataHostileFiles.WriteHugePng(tmp.File("img_00001.png"), 4000, 3000);
        var options = new VideoReaderOptions { MaxFramePixels = 10_000_000 };
        var act = () => new FrameFolderReader(tmp.Path, options);
        act.Should().Throw<InvalidDataException>().WithMessage("*img_00001.png' (PNG) declares 4000×3000 = 12,000,000 pixels, more than VideoReaderOptions.MaxFramePixels (10,000,000)*");
        using var reader = new FrameFolderReader(tmp.Path, options with { MaxFramePixels = 12_000_000 });
        reader.Info.Width.Should().Be(4000);
        reader.Info.Height.Should().Be(3000);
    }

    [Fact]
    public void Image_headers_give_the_declared_size_of_jpeg_png_and_bmp()
    {
        using var tmp = new TempFolder();
        using var image = new Mat(37, 53, MatType.CV_8UC3, Scalar.All(90));
        foreach (var ext in new[] { ".jpg", ".png", ".bmp" })
        {
            var file = tmp.File("a" + ext);
            Cv2.ImWrite(file, image);
            var (_, w, h) = ImageHeader.Read(file);
            (w, h).Should().Be((53, 37), ext);
        }
        using (var progressive = new Mat(41, 29, MatType.CV_8UC3, Scalar.All(10)))
            Cv2.ImWrite(tmp.File("p.jpg"), progressive, new ImageEncodingParam(ImwriteFlags.JpegProgressive, 1));
        ImageHeader.Read(tmp.File("p.jpg")).Should().Be(("JPEG", 29, 41));
    }

    [Theory]
    [InlineData(new byte[] { 0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 1, 0 }, "*img_00001.jpg* its first bytes 4749463839610100 are not those of a JPEG, PNG or BMP image*")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xDA, 0, 2 }, "*looks like a JPEG image, but its scan starts before any frame header*")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 1, 2 }, "*looks like a JPEG image, but it ends before its frame header*")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0 }, "*looks like a PNG image, but its first chunk is not a complete IHDR header*")]
    public void Unknown_or_cut_headers_are_refused_clearly(byte[] bytes, string message)
    {
        using var tmp = new TempFolder();
        File.WriteAllBytes(tmp.File("img_00001.jpg"), bytes);
        var act = () => new FrameFolderReader(tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage(message);
    }

    [Fact]
    public void A_link_to_a_regular_frame_is_read_and_a_link_to_a_device_is_refused()
    {
        Assert.SkipWhen(OperatingSystem.IsWindows(), "symbolic links to /dev/zero are a Unix case");
        using var tmp = new TempFolder();
        var store = tmp.File("store");
        FrameFolderReaderTests.WriteFrames(store, "img_{0:00000}", 2, extension: ".jpg");
        var folder = Directory.CreateDirectory(tmp.File("frames")).FullName;
        File.CreateSymbolicLink(Path.Combine(folder, "img_00001.jpg"), Path.Combine(store, "img_00001.jpg"));
        File.CreateSymbolicLink(Path.Combine(folder, "img_00002.jpg"), Path.Combine(store, "img_00002.jpg"));
        using (var reader = new FrameFolderReader(folder))
        using (var frames = reader.ReadFrames([0, 1]))
            DataTestFiles.ShouldShowFrames(frames, [0, 1]);
        File.CreateSymbolicLink(Path.Combine(folder, "img_00003.jpg"), "/dev/zero");
        var act = () => new FrameFolderReader(folder);
        act.Should().Throw<InvalidDataException>().WithMessage("*img_00003.jpg' is a character device, not a regular file*");
    }
}
