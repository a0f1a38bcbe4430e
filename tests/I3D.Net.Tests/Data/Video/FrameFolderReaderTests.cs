using I3D.Net.Data.Video;
using OpenCvSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Video;

public class FrameFolderReaderTests
{
    internal static void WriteFrames(string folder, string nameFormat, int count, int first = 1, string extension = ".png")
    {
        Directory.CreateDirectory(folder);
        using var frame = new Mat(24, 32, MatType.CV_8UC3);
        for (var t = 0; t < count; t++)
        {
            var (r, g, b) = DataTestFiles.ColorOf(t);
            frame.SetTo(new Scalar(b, g, r));
            Cv2.ImWrite(Path.Combine(folder, string.Format(System.Globalization.CultureInfo.InvariantCulture, nameFormat, t + first) + extension), frame);
        }
    }

    internal static void WriteFlow(string folder, string xPrefix, string yPrefix, int count, Func<int, (byte X, byte Y)> values)
    {
        Directory.CreateDirectory(folder);
        for (var t = 0; t < count; t++)
        {
            var (x, y) = values(t);
            using var xImage = new Mat(24, 32, MatType.CV_8UC1, new Scalar(x));
            using var yImage = new Mat(24, 32, MatType.CV_8UC1, new Scalar(y));
            Cv2.ImWrite(Path.Combine(folder, $"{xPrefix}{t + 1:00000}.jpg"), xImage);
            Cv2.ImWrite(Path.Combine(folder, $"{yPrefix}{t + 1:00000}.jpg"), yImage);
        }
    }

    [Fact]
    public void Reads_mmaction2_img_frames_in_numeric_order()
    {
        using var tmp = new TempFolder();
        WriteFrames(tmp.Path, "img_{0:00000}", 12, extension: ".jpg");
        using var reader = VideoReader.Open(tmp.Path);
        reader.Should().BeOfType<FrameFolderReader>();
        reader.Info.FrameCount.Should().Be(12);
        (reader.Info.Width, reader.Info.Height, reader.Info.Channels).Should().Be((32, 24, 3));
        reader.Info.Fps.Should().Be(25);
        using var frames = reader.ReadFrames([11, 0, 5]);
        DataTestFiles.ShouldShowFrames(frames, [11, 0, 5]);
    }

    [Fact]
    public void Orders_unpadded_numbers_numerically_and_ignores_flow_images()
    {
        using var tmp = new TempFolder();
        WriteFrames(tmp.Path, "frame{0}", 12, first: 0);             // frame0 … frame11 (frame10 sorts after frame9)
        FrameFolderReaderTests.WriteFlow(tmp.Path, "flow_x_", "flow_y_", 3, _ => (128, 128));
        using var reader = new FrameFolderReader(tmp.Path);
        reader.Info.FrameCount.Should().Be(12);
        using var frames = reader.ReadFrames([9, 10, 11]);
        DataTestFiles.ShouldShowFrames(frames, [9, 10, 11], tolerance: 1);
    }

    [Fact]
    public void Mixed_prefixes_need_an_explicit_choice()
    {
        using var tmp = new TempFolder();
        WriteFrames(tmp.Path, "a_{0:000}", 2);
        WriteFrames(tmp.Path, "b_{0:000}", 3);
        var act = () => new FrameFolderReader(tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage("*mixes frame prefixes*'a_'*'b_'*");
        using var reader = new FrameFolderReader(tmp.Path, prefix: "b_");
        reader.Info.FrameCount.Should().Be(3);
    }

    [Theory]
    [InlineData("x_", "y_")]
    [InlineData("flow_x_", "flow_y_")]
    public void Reads_flow_pairs_and_dequantises_to_pixels(string xPrefix, string yPrefix)
    {
        using var tmp = new TempFolder();
        // x = 255 → +20 px, y = 0 → −20 px in frame 0; x = 0, y = 255 in frame 1; 128 ≈ 0.08 px in frame 2.
        WriteFlow(tmp.Path, xPrefix, yPrefix, 3, t => t switch { 0 => (255, 0), 1 => (0, 255), _ => (128, 128) });
        using var reader = VideoReader.OpenFlow(tmp.Path);
        reader.Info.FrameCount.Should().Be(3);
        reader.Info.Channels.Should().Be(2);
        using var raw = reader.ReadFrames([0, 1, 2]);
        raw.shape.Should().Equal(3, 24, 32, 2);
        using var px = I3D.Net.Flow.FlowQuantization.Dequantize(raw);
        using var mean = px.mean([1, 2]);
        var v = mean.data<float>().ToArray();
        v[0].Should().BeApproximately(20f, 0.5f);
        v[1].Should().BeApproximately(-20f, 0.5f);
        v[2].Should().BeApproximately(-20f, 0.5f);
        v[3].Should().BeApproximately(20f, 0.5f);
        v[4].Should().BeApproximately(128 / 255f * 40 - 20, 0.2f);
        v[5].Should().BeApproximately(128 / 255f * 40 - 20, 0.2f);
    }

    [Fact]
    public void Flow_folder_with_a_missing_partner_is_rejected()
    {
        using var tmp = new TempFolder();
        WriteFlow(tmp.Path, "x_", "y_", 3, _ => (128, 128));
        File.Delete(tmp.File("y_00002.jpg"));
        var act = () => new FlowFolderReader(tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage("*3 x and 2 y images*2*");
    }
}
