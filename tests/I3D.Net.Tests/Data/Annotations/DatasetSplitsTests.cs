using I3D.Net.Data.Annotations;

namespace I3D.Net.Tests.Data.Annotations;

/// <summary>Issue 17: <see cref="DatasetSplits"/>, the annotation formats of the samples' and the tool's fine-tuning.</summary>
public sealed class DatasetSplitsTests
{
    private static string Fixture(params string[] parts) => DataTestFiles.FixturePath(["annotations", .. parts]);

    [Fact]
    public void Ucf101_gives_the_official_train_and_test_splits()
    {
        var (train, val) = DatasetSplits.Load(AnnotationFormat.Ucf101, "/data/ucf101", splitsFolder: Fixture("ucf101"));
        train.Items.Should().HaveCount(4);
        val!.Items.Select(i => i.Label).Should().Equal(0, 2, 3);
        val.Classes.Should().Equal(train.Classes);
    }

    [Fact]
    public void Class_folders_with_and_without_a_val_folder()
    {
        using var tmp = new TempFolder();
        foreach (var file in new[] { "train/a/1.mp4", "train/b/2.mp4", "val/a/3.mp4" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(tmp.File(file))!);
            File.WriteAllText(tmp.File(file), "");
        }
        var (train, val) = DatasetSplits.Load(AnnotationFormat.Folders, tmp.Path);
        train.Classes.Names.Should().Equal("a", "b");
        val!.Items.Should().ContainSingle().Which.Path.Should().EndWith("3.mp4");
        Directory.Delete(tmp.File("val"), recursive: true);
        DatasetSplits.Load(AnnotationFormat.Folders, tmp.Path).Val.Should().BeNull();
    }

    [Fact]
    public void A_list_validation_set_uses_the_training_classes()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("train.txt"), "a.mp4 0\nb.mp4 1\n");
        File.WriteAllText(tmp.File("val.txt"), "c.mp4 1\n");
        var (train, val) = DatasetSplits.Load(AnnotationFormat.List, tmp.Path, tmp.File("train.txt"), tmp.File("val.txt"));
        val!.Classes.Should().BeSameAs(train.Classes);
        val.Items.Single().Label.Should().Be(1);
    }

    [Theory]
    [InlineData(AnnotationFormat.List, "a training list")]
    [InlineData(AnnotationFormat.Kinetics, "a training CSV")]
    [InlineData(AnnotationFormat.Hmdb51, "the split files' folder")]
    public void Names_what_a_format_needs(AnnotationFormat format, string what)
    {
        var act = () => DatasetSplits.Load(format, "/data");
        act.Should().Throw<ArgumentException>().WithMessage($"The {format} format needs {what}.");
    }
}
