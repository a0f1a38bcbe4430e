using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;

namespace I3D.Net.Tests.Data.Loading;

public class VideoClipReaderTests
{
    [Fact]
    public void Samples_at_the_target_frame_rate()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("fifty.avi");
        DataTestFiles.TryWriteColorVideo(path, "MJPG", frames: 30, fps: 50).Should().BeTrue();
        var reader = new VideoClipReader(ClipLoaderOptions.Evaluation with
        {
            ClipLength = 5,
            TargetFps = 25,
            Transform = new ClipTransformOptions { ShortSide = null, CropSize = null },
        });
        using var clips = reader.Read(new LabeledVideo(path, 0), 0, 0);
        // 30 frames at 50 fps are 15 at 25 fps; the centre window is target frames 5..9 = source frames 10, 12, …, 18.
        clips.FrameIndices.Should().ContainSingle().Which.Should().Equal(10, 12, 14, 16, 18);
        clips.Rgb!.shape.Should().Equal(1, 3, 5, 48, 64);
        using var frames = clips.Rgb[0].permute(1, 2, 3, 0).add(1).mul(127.5);   // back to [T, H, W, 3] in 0..255
        DataTestFiles.ShouldShowFrames(frames, [10, 12, 14, 16, 18]);
    }

    [Fact]
    public void A_stated_frame_count_larger_than_the_video_is_an_error()
    {
        using var tmp = new TempFolder();
        var path = DataTestFiles.ColorVideo(tmp, "MJPG", ".avi");
        var reader = new VideoClipReader(ClipLoaderOptions.Evaluation with { ClipLength = 4, Transform = new ClipTransformOptions { ShortSide = null, CropSize = null } });
        var act = () => reader.Read(new LabeledVideo(path, 0) { FrameCount = 64 }, 0, 0);
        act.Should().Throw<InvalidDataException>().WithMessage("*has 30 frames, but its annotation states 64*");
    }
}
