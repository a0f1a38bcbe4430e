using I3D.Net.Data.Annotations;
using I3D.Net.Data.Synthetic;
using I3D.Net.Data.Video;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Synthetic;

public class SyntheticActionDatasetTests
{
    private static readonly SyntheticDatasetOptions Small = new() { VideosPerClass = 3, FrameCount = 12, Seed = 5, ValidationFraction = 0, TestFraction = 1.0 / 3 };

    /// <summary>Centroid (x, y) and area of the bright shape in an RGB frame [H, W, 3] (the background is darker than 80).</summary>
    private static (double X, double Y, double Area) Shape(Tensor frame)
    {
        using var scope = NewDisposeScope();
        var mask = frame.to_type(ScalarType.Float32).amax([2]).gt(110).to_type(ScalarType.Float32);
        var area = mask.sum().item<float>();
        var ys = arange(frame.shape[0], ScalarType.Float32).reshape(-1, 1);
        var xs = arange(frame.shape[1], ScalarType.Float32).reshape(1, -1);
        return ((mask * xs).sum().item<float>() / area, (mask * ys).sum().item<float>() / area, area);
    }

    [Fact]
    public void Writes_videos_class_map_and_split_lists()
    {
        using var tmp = new TempFolder();
        var set = SyntheticActionDataset.Generate(tmp.Path, Small);
        set.Classes.Count.Should().Be(Enum.GetValues<SyntheticAction>().Length);
        set.Classes[0].Should().Be("move_left");
        set.Train.Count.Should().Be(8 * 2);
        set.Test.Count.Should().Be(8);
        set.Validation.Count.Should().Be(0);
        set.Train.Items.Concat(set.Test.Items).Select(i => i.Path).Should().OnlyHaveUniqueItems().And.HaveCount(24);
        ClassMap.Load(set.ClassMapFile).Should().Equal(set.Classes);
        var reloaded = LabelListAnnotations.Load(set.TrainList, classes: set.Classes);
        reloaded.Items.Should().Equal(set.Train.Items);
        FolderPerClassAnnotations.Load(tmp.Path).Count.Should().Be(24);
        using var reader = VideoReader.Open(set.Test.Items[0].Path);
        (reader.Info.FrameCount, reader.Info.Width, reader.Info.Height).Should().Be((12, 64, 64));
    }

    [Theory]
    [InlineData(SyntheticAction.MoveLeft, -1, 0)]
    [InlineData(SyntheticAction.MoveRight, 1, 0)]
    [InlineData(SyntheticAction.MoveUp, 0, -1)]
    [InlineData(SyntheticAction.MoveDown, 0, 1)]
    public void Moving_shapes_move_the_right_way(SyntheticAction action, int dx, int dy)
    {
        using var tmp = new TempFolder();
        var path = tmp.File("v.mp4");
        SyntheticActionDataset.WriteVideo(path, action, Small, new I3D.Net.Data.Sampling.CounterRandom(1, 2, 3, I3D.Net.Data.Sampling.RandomStream.Window));
        using var reader = VideoReader.Open(path);
        using var frames = reader.ReadFrames([0, 11]);
        var first = Shape(frames[0]);
        var last = Shape(frames[1]);
        if (dx != 0) Math.Sign(last.X - first.X).Should().Be(dx, $"{action}: x {first.X:F1} → {last.X:F1}");
        if (dy != 0) Math.Sign(last.Y - first.Y).Should().Be(dy, $"{action}: y {first.Y:F1} → {last.Y:F1}");
        Math.Abs(dx != 0 ? last.X - first.X : last.Y - first.Y).Should().BeGreaterThan(10);
        Math.Abs(dx != 0 ? last.Y - first.Y : last.X - first.X).Should().BeLessThan(2);
    }

    [Theory]
    [InlineData(SyntheticAction.Grow, true)]
    [InlineData(SyntheticAction.Shrink, false)]
    public void Growing_and_shrinking_change_the_area(SyntheticAction action, bool grows)
    {
        using var tmp = new TempFolder();
        var path = tmp.File("v.avi");
        SyntheticActionDataset.WriteVideo(path, action, Small with { FourCC = "MJPG", Extension = ".avi" }, new I3D.Net.Data.Sampling.CounterRandom(4, 0, 0, I3D.Net.Data.Sampling.RandomStream.Window));
        using var reader = VideoReader.Open(path);
        using var frames = reader.ReadFrames([0, 11]);
        var ratio = Shape(frames[1]).Area / Shape(frames[0]).Area;
        (grows ? ratio : 1 / ratio).Should().BeGreaterThan(2.5, $"{action} changes the area by the scale squared");
    }

    [Fact]
    public void Rotation_changes_the_shape_but_not_its_place()
    {
        using var tmp = new TempFolder();
        var path = tmp.File("v.avi");
        SyntheticActionDataset.WriteVideo(path, SyntheticAction.RotateClockwise, Small with { FourCC = "MJPG", Extension = ".avi" },
            new I3D.Net.Data.Sampling.CounterRandom(9, 0, 0, I3D.Net.Data.Sampling.RandomStream.Window));
        using var reader = VideoReader.Open(path);
        using var frames = reader.ReadFrames([0, 11]);
        var (a, b) = (Shape(frames[0]), Shape(frames[1]));
        Math.Abs(a.X - b.X).Should().BeLessThan(2);
        Math.Abs(a.Area - b.Area).Should().BeLessThan(0.15 * a.Area);
        using var diff = (frames[0].to_type(ScalarType.Float32) - frames[1].to_type(ScalarType.Float32)).abs().gt(60).sum();
        diff.item<long>().Should().BeGreaterThan(30, "the rotated polygon covers different pixels");
    }

    [Fact]
    public void Same_seed_gives_the_same_videos_and_another_seed_does_not()
    {
        using var a = new TempFolder();
        using var b = new TempFolder();
        using var c = new TempFolder();
        var options = Small with { Actions = [SyntheticAction.MoveLeft, SyntheticAction.Grow], VideosPerClass = 2, TestFraction = 0 };
        var sa = SyntheticActionDataset.Generate(a.Path, options);
        var sb = SyntheticActionDataset.Generate(b.Path, options);
        var sc = SyntheticActionDataset.Generate(c.Path, options with { Seed = 6 });
        Tensor Read(string p) { using var r = VideoReader.Open(p); return r.ReadFrames([0, 5]); }
        using var fa = Read(sa.Train.Items[0].Path);
        using var fb = Read(sb.Train.Items[0].Path);
        using var fc = Read(sc.Train.Items[0].Path);
        fa.eq(fb).all().item<bool>().Should().BeTrue();
        fa.eq(fc).all().item<bool>().Should().BeFalse();
        File.ReadAllText(sa.TrainList).Should().Be(File.ReadAllText(sb.TrainList));
    }

    [Fact]
    public void Unsupported_writer_codec_gives_a_clear_error()
    {
        using var tmp = new TempFolder();
        var act = () => SyntheticActionDataset.Generate(tmp.Path, Small with { FourCC = "ZZZZ", Extension = ".mp4" });
        act.Should().Throw<InvalidOperationException>().WithMessage("*FourCC 'ZZZZ'*");
    }
}
