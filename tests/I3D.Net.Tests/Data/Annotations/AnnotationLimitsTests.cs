using I3D.Net.Data.Annotations;

namespace I3D.Net.Tests.Data.Annotations;

/// <summary>Issue 14 items 4, 11 and 19 for annotation files: class-count cap, hostile times, paths outside the root, error types.</summary>
public class AnnotationLimitsTests
{
    [Theory]
    [InlineData("a.mp4 50000000", "label 50000000*MaxClasses (10000)")]
    [InlineData("a.mp4 2147483647", "label 2147483647*MaxClasses (10000)")]
    public void A_huge_numeric_label_does_not_size_the_class_map(string line, string message)
    {
        using var tmp = new TempFolder();
        var list = tmp.File("list.txt");
        File.WriteAllText(list, "b.mp4 0\n" + line + "\n");
        var act = () => LabelListAnnotations.Load(list);
        act.Should().Throw<InvalidDataException>().WithMessage($"*list.txt:2:*{message}*");
    }

    [Fact]
    public void MaxClasses_can_be_raised_and_a_class_map_bounds_labels()
    {
        using var tmp = new TempFolder();
        var list = tmp.File("list.txt");
        File.WriteAllText(list, "a.mp4 19999\n");
        LabelListAnnotations.Load(list, options: new AnnotationOptions { MaxClasses = 20_000 }).Classes.Count.Should().Be(20_000);
        var act = () => LabelListAnnotations.Load(list, classes: new ClassMap(["a", "b"]));
        act.Should().Throw<InvalidDataException>().WithMessage("*list.txt:1: label 19999 is outside the 2 classes*");
        var raw = tmp.File("raw.txt");
        File.WriteAllText(raw, "f 8 12000\n");
        var rawAct = () => RawFrameListAnnotations.Load(raw);
        rawAct.Should().Throw<InvalidDataException>().WithMessage("*raw.txt:1:*12001 classes*MaxClasses*");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("-Infinity")]
    [InlineData("1e300")]
    [InlineData("1000000")]
    [InlineData("-3")]
    public void Kinetics_times_must_be_finite_seconds_that_fit_the_file_name(string time)
    {
        using var tmp = new TempFolder();
        var csv = tmp.File("k.csv");
        File.WriteAllText(csv, $"label,youtube_id,time_start,time_end,split\nwalk,abc,1,11,train\nwalk,def,{time},20,train\n");
        var act = () => KineticsCsvAnnotations.Load(csv, tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage($"*k.csv:3: expected a time in seconds between 0 and 999999, found '{time}'*");
    }

    [Fact]
    public void Kinetics_end_before_start_is_refused()
    {
        using var tmp = new TempFolder();
        var csv = tmp.File("k.csv");
        File.WriteAllText(csv, "label,youtube_id,time_start,time_end,split\nwalk,abc,20,10,train\n");
        var act = () => KineticsCsvAnnotations.Load(csv, tmp.Path);
        act.Should().Throw<InvalidDataException>().WithMessage("*k.csv:2: time_end 10 s is before time_start 20 s*");
    }

    public static TheoryData<string> EscapingPaths => new() { "../../../../etc/passwd", "/etc/passwd", "a/../../outside.mp4", "..\\..\\x.mp4" };

    [Theory]
    [MemberData(nameof(EscapingPaths))]
    public void Paths_outside_the_dataset_root_are_refused_unless_allowed(string path)
    {
        using var tmp = new TempFolder();
        var root = Directory.CreateDirectory(tmp.File("root")).FullName;
        var list = tmp.File("list.txt");
        File.WriteAllText(list, $"inside/ok.mp4 0\n{path} 0\n");
        var act = () => LabelListAnnotations.Load(list, root);
        act.Should().Throw<InvalidDataException>().WithMessage($"*list.txt:2: path '{path}' points outside the dataset root*AllowPathsOutsideRoot*");
        var allowed = LabelListAnnotations.Load(list, root, options: new AnnotationOptions { AllowPathsOutsideRoot = true });
        allowed.Items[1].Path.Should().NotStartWith(root + "/");
        allowed.Items[0].Path.Should().Be(Path.Combine(root, "inside", "ok.mp4"));
    }

    [Fact]
    public void An_absolute_path_inside_the_root_is_fine()
    {
        using var tmp = new TempFolder();
        var list = tmp.File("list.txt");
        File.WriteAllText(list, $"{tmp.File("v/a.mp4")} 0\n");
        LabelListAnnotations.Load(list).Items[0].Path.Should().Be(tmp.File("v/a.mp4"));
    }

    [Fact]
    public void Every_annotation_format_checks_paths_against_its_root()
    {
        using var tmp = new TempFolder();
        var raw = tmp.File("raw.txt");
        File.WriteAllText(raw, "../../frames 8 0\n");
        ((Action)(() => RawFrameListAnnotations.Load(raw))).Should().Throw<InvalidDataException>().WithMessage("*raw.txt:1: path*outside*");

        var ucf = Directory.CreateDirectory(tmp.File("ucf")).FullName;
        File.WriteAllText(Path.Combine(ucf, "classInd.txt"), "1 Walk\n");
        File.WriteAllText(Path.Combine(ucf, "trainlist01.txt"), "Walk/../../../x.avi 1\n");
        ((Action)(() => Ucf101Annotations.Load(ucf, tmp.File("videos"), 1, DatasetSubset.Train)))
            .Should().Throw<InvalidDataException>().WithMessage("*trainlist01.txt:1: path*outside*");

        var hmdb = Directory.CreateDirectory(tmp.File("hmdb")).FullName;
        File.WriteAllText(Path.Combine(hmdb, "walk_test_split1.txt"), "../../x.avi 1\n");
        ((Action)(() => Hmdb51Annotations.Load(hmdb, tmp.File("videos"), 1, DatasetSubset.Train)))
            .Should().Throw<InvalidDataException>().WithMessage("*walk_test_split1.txt:1: path*outside*");

        var csv = tmp.File("k.csv");
        File.WriteAllText(csv, "label,youtube_id,time_start,time_end,split\n../../..,x,1,11,train\n");
        ((Action)(() => KineticsCsvAnnotations.Load(csv, tmp.File("videos"))))
            .Should().Throw<InvalidDataException>().WithMessage("*k.csv:2: path*outside*");
    }

    [Fact]
    public void Class_names_that_clash_are_InvalidData_naming_the_source()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("classInd.txt"), "1 Walk\n2 walk\n");
        var act = () => Ucf101Annotations.LoadClassIndex(tmp.File("classInd.txt"));
        act.Should().Throw<InvalidDataException>().WithMessage("*classInd.txt*'walk'*duplicates 'Walk'*");

        var hmdb = Directory.CreateDirectory(tmp.File("hmdb")).FullName;
        File.WriteAllText(Path.Combine(hmdb, "Walk_test_split1.txt"), "a.avi 1\n");
        File.WriteAllText(Path.Combine(hmdb, "walk_test_split1.txt"), "b.avi 1\n");
        var hmdbAct = () => Hmdb51Annotations.Load(hmdb, tmp.Path, 1, DatasetSubset.Train);
        hmdbAct.Should().Throw<InvalidDataException>().WithMessage($"*{hmdb}*duplicates*");

        var csv = tmp.File("k.csv");
        File.WriteAllText(csv, "label,youtube_id,time_start,time_end,split\n\"\",x,1,11,train\n");
        var csvAct = () => KineticsCsvAnnotations.Load(csv, tmp.Path);
        csvAct.Should().Throw<InvalidDataException>().WithMessage("*k.csv*empty*");
    }
}
