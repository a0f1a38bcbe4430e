using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.Tests.Inference;
using I3D.Net.Tests.Weights;

namespace I3D.Net.Tests.Flow;

/// <summary>Issue 17: <see cref="FlowFolderWriter"/>, the samples' batched flow folders moved into the library.</summary>
public sealed class FlowFolderWriterTests
{
    [Fact]
    public async Task Writes_one_folder_per_video_that_the_extractor_and_the_flow_reader_agree_with()
    {
        using var folder = new TempFolder();
        var a = InferenceTestData.WriteMovingTexture(folder.File("a.avi"), frames: 5, dx: 2);
        var b = InferenceTestData.WriteMovingTexture(folder.File("b.avi"), frames: 4, dx: 3);
        var method = new FarnebackOpticalFlow();
        var pairs = FlowFolderWriter.Write([(a, folder.File("fa")), (b, folder.File("fb"))], method);
        pairs.Should().Be(4 + 3);

        foreach (var (name, count) in new[] { ("fa", 4), ("fb", 3) })
        {
            Directory.GetFiles(folder.File(name), "flow_x_*.jpg").Should().HaveCount(count);
            Directory.GetFiles(folder.File(name), "flow_y_*.jpg").Should().HaveCount(count);
            var settings = FlowSettings.TryLoad(folder.File(name))!;
            (settings.Method, settings.FramePairs, settings.SourceFps).Should().Be((FlowMethod.Farneback, count, 25.0));
            using var reader = VideoReader.OpenFlow(folder.File(name));
            reader.Info.FrameCount.Should().Be(count);
        }
        Directory.Exists(folder.File("fa.tmp")).Should().BeFalse();

        // The same images as the dataset extractor writes for the video, one call per video.
        var extractor = new FlowExtractor(method);
        (await extractor.ExtractAsync([a], folder.File("extracted"))).Extracted.Should().ContainSingle();
        foreach (var file in Directory.GetFiles(folder.File("fa"), "*.jpg"))
            File.ReadAllBytes(file).Should().Equal(File.ReadAllBytes(Path.Combine(folder.File("extracted"), "a", Path.GetFileName(file))));
    }

    [Fact]
    public void Refuses_a_one_frame_video_and_videos_of_different_sizes()
    {
        using var folder = new TempFolder();
        var one = InferenceTestData.WriteMovingTexture(folder.File("one.avi"), frames: 1);
        var act = () => FlowFolderWriter.Write(one, folder.File("f1"), new FarnebackOpticalFlow());
        act.Should().Throw<InvalidDataException>().WithMessage("*1 frame(s); flow needs at least 2*");
        var small = InferenceTestData.WriteMovingTexture(folder.File("small.avi"), frames: 3, width: 32, height: 32);
        var large = InferenceTestData.WriteMovingTexture(folder.File("large.avi"), frames: 3);
        var mixed = () => FlowFolderWriter.Write([(small, folder.File("fs")), (large, folder.File("fl"))], new FarnebackOpticalFlow());
        mixed.Should().Throw<ArgumentException>().WithMessage("*one frame size*");
        Directory.Exists(folder.File("fs")).Should().BeFalse("nothing is written when the batch fails");
    }
}
