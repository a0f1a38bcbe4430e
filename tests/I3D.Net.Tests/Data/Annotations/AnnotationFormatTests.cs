using I3D.Net.Data.Annotations;

namespace I3D.Net.Tests.Data.Annotations;

public class AnnotationFormatTests
{
    private static string Fixture(params string[] parts) => DataTestFiles.FixturePath(["annotations", .. parts]);

    [Fact]
    public void Ucf101_train_list_uses_one_based_labels()
    {
        var set = Ucf101Annotations.Load(Fixture("ucf101"), "/data/ucf101", 1, DatasetSubset.Train);
        set.Classes.Names.Should().Equal("ApplyEyeMakeup", "Basketball", "HandstandPushups", "YoYo");
        set.Items.Select(i => i.Label).Should().Equal(0, 1, 2, 3);
        set.Items[1].Path.Should().Be("/data/ucf101/Basketball/v_Basketball_g08_c02.avi");
    }

    [Fact]
    public void Ucf101_test_list_takes_the_class_from_the_folder_ignoring_case()
    {
        var set = Ucf101Annotations.Load(Fixture("ucf101"), "/data/ucf101", 1, DatasetSubset.Test);
        set.Items.Select(i => i.Label).Should().Equal(0, 2, 3);   // HandStandPushups → HandstandPushups (2)
        set.Items[1].Path.Should().EndWith("HandStandPushups/v_HandStandPushups_g01_c01.avi");
    }

    [Fact]
    public void Ucf101_missing_split_file_is_FileNotFound()
    {
        var act = () => Ucf101Annotations.Load(Fixture("ucf101"), "/data", 2, DatasetSubset.Train);
        act.Should().Throw<FileNotFoundException>().WithMessage("*trainlist02.txt*");
    }

    [Fact]
    public void Ucf101_label_disagreeing_with_its_folder_is_reported_with_the_line()
    {
        using var tmp = new TempFolder();
        File.Copy(Fixture("ucf101", "classInd.txt"), tmp.File("classInd.txt"));
        File.WriteAllText(tmp.File("trainlist01.txt"), "ApplyEyeMakeup/v_a.avi 1\nYoYo/v_b.avi 2\n");
        var act = () => Ucf101Annotations.Load(tmp.Path, "/data", 1, DatasetSubset.Train);
        act.Should().Throw<InvalidDataException>().WithMessage("*trainlist01.txt:2:*label 2 ('Basketball') disagrees with the folder 'YoYo'*");
    }

    [Fact]
    public void Hmdb51_split_tags_select_train_and_test()
    {
        var train = Hmdb51Annotations.Load(Fixture("hmdb51"), "/data/hmdb51", 1, DatasetSubset.Train);
        train.Classes.Names.Should().Equal("brush_hair", "cartwheel");
        train.Items.Select(i => (Path.GetFileName(i.Path), i.Label)).Should().Equal(
            ("April_09_brush_hair_u_nm_np1_ba_goo_0.avi", 0),
            ("brush my hair_brush_hair_u_nm_np1_fr_goo_2.avi", 0),
            ("Baby_Cartwheel_cartwheel_f_cm_np1_le_med_0.avi", 1));
        train.Items[2].Path.Should().Be("/data/hmdb51/cartwheel/Baby_Cartwheel_cartwheel_f_cm_np1_le_med_0.avi");
        var test = Hmdb51Annotations.Load(Fixture("hmdb51"), "/data/hmdb51", 1, DatasetSubset.Test);
        test.Items.Select(i => i.Label).Should().Equal(0, 1);
        var split2 = Hmdb51Annotations.Load(Fixture("hmdb51"), "/data/hmdb51", 2, DatasetSubset.Train);
        split2.Classes.Names.Should().Equal("cartwheel");
    }

    [Fact]
    public void Hmdb51_bad_tag_is_reported()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("jump_test_split1.txt"), "a.avi 1\nb.avi 3\n");
        var act = () => Hmdb51Annotations.Load(tmp.Path, "/data", 1, DatasetSubset.Train);
        act.Should().Throw<InvalidDataException>().WithMessage("*jump_test_split1.txt:2:*tag 0 (unused), 1 (train) or 2 (test), found '3'*");
    }

    [Fact]
    public void Kinetics_csv_parses_quoted_labels_and_builds_file_names()
    {
        var set = KineticsCsvAnnotations.Load(Fixture("kinetics", "kinetics_mini.csv"), "/data/k400");
        set.Classes.Names.Should().Equal("abseiling", "air drumming", "passing American football (in game)",
            "person collecting garbage, litter", "tying knot (not on a tie)");
        set.Items[0].Path.Should().Be("/data/k400/abseiling/0347ZoDXyP0_000014_000024.mp4");
        set.Items[1].Path.Should().Be("/data/k400/air drumming/-VtLx-mcPds_000010_000020.mp4");
        set.Items[4].Path.Should().Be("/data/k400/person collecting garbage, litter/a9x5uJ_QmcU_000000_000010.mp4");
        set.Items[4].Label.Should().Be(3);
    }

    [Fact]
    public void Kinetics_csv_with_a_given_label_map_and_folder_mapping()
    {
        var labels = new ClassMap(File.ReadAllLines(Fixture("kinetics", "kinetics_mini.csv")).Skip(1)
            .Select(l => l.StartsWith('"') ? l[1..l.IndexOf('"', 1)] : l[..l.IndexOf(',')]).Reverse());
        var set = KineticsCsvAnnotations.Load(Fixture("kinetics", "kinetics_mini.csv"), "/k", labels, l => l.Replace(' ', '_'));
        set.Items[0].Label.Should().Be(4);
        set.Items[1].Path.Should().Be("/k/air_drumming/-VtLx-mcPds_000010_000020.mp4");
    }

    [Fact]
    public void Kinetics_csv_errors_name_the_problem()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("a.csv"), "youtube_id,time_start,time_end\nx,1,2\n");
        var noLabel = () => KineticsCsvAnnotations.Load(tmp.File("a.csv"), "/k");
        noLabel.Should().Throw<InvalidDataException>().WithMessage("*a.csv:1:*lacks column(s) label*");
        File.WriteAllText(tmp.File("b.csv"), "label,youtube_id,time_start,time_end,split\n\"open,x,1,2,train\n");
        var unterminated = () => KineticsCsvAnnotations.Load(tmp.File("b.csv"), "/k");
        unterminated.Should().Throw<InvalidDataException>().WithMessage("*b.csv:2:*unterminated quoted field*");
    }

    [Fact]
    public void Label_list_accepts_names_with_spaces_in_paths_and_case_insensitive_labels()
    {
        var set = LabelListAnnotations.Load(Fixture("lists", "videos.txt"), "/v");
        set.Classes.Names.Should().Equal("run", "walk");
        set.Items.Select(i => (i.Path, i.Label)).Should().Equal(
            ("/v/walk/video_001.mp4", 1), ("/v/run/video 002.mp4", 0), ("/v/walk/video_003.mp4", 1));
    }

    [Fact]
    public void Label_list_with_numbers_infers_classes_and_checks_range()
    {
        var set = LabelListAnnotations.Load(Fixture("lists", "numeric.txt"));
        set.Classes.Names.Should().Equal("0", "1", "2");
        set.Items[1].Path.Should().Be(Path.GetFullPath(Fixture("lists", "b", "2.avi")));
        var act = () => LabelListAnnotations.Load(Fixture("lists", "numeric.txt"), classes: new ClassMap(["a", "b"]));
        act.Should().Throw<InvalidDataException>().WithMessage("*numeric.txt:2:*label 2 is outside the 2 classes*");
    }

    [Fact]
    public void Rawframe_list_reads_counts_and_labels()
    {
        var classes = ClassMap.FromLabelMapFile(Fixture("lists", "classes.txt"));
        var set = RawFrameListAnnotations.Load(Fixture("lists", "rawframes.txt"), "/data", classes, flowInSameFolder: true);
        set.Items.Select(i => (i.Path, i.FrameCount, i.Label)).Should().Equal(
            ("/data/rawframes/abseiling/vid_a", (int?)64, 0), ("/data/rawframes/air_drumming/vid_b", (int?)120, 1));
        set.Items[0].FlowPath.Should().Be("/data/rawframes/abseiling/vid_a");
    }

    [Fact]
    public void Rawframe_list_rejects_a_bad_count()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("r.txt"), "a/b x 1\n");
        var act = () => RawFrameListAnnotations.Load(tmp.File("r.txt"));
        act.Should().Throw<InvalidDataException>().WithMessage("*r.txt:1:*expected a positive frame count, found 'x'*");
    }

    [Fact]
    public void Folder_per_class_lists_videos_and_frame_folders()
    {
        using var tmp = new TempFolder();
        foreach (var f in new[] { "b_walk/1.mp4", "b_walk/2.AVI", "a_run/x.mkv", "a_run/notes.txt" })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(tmp.File(f))!);
            File.WriteAllText(tmp.File(f), "");
        }
        Directory.CreateDirectory(tmp.File("a_run/frames_1"));
        var set = FolderPerClassAnnotations.Load(tmp.Path);
        set.Classes.Names.Should().Equal("a_run", "b_walk");
        set.Items.Select(i => (Path.GetFileName(i.Path), i.Label)).Should().Equal(("x.mkv", 0), ("1.mp4", 1), ("2.AVI", 1));
        FolderPerClassAnnotations.Load(tmp.Path, includeFrameFolders: true).Items.Should().Contain(i => i.Path.EndsWith("frames_1"));
        var empty = () => FolderPerClassAnnotations.Load(tmp.File("a_run/frames_1"));
        empty.Should().Throw<InvalidDataException>().WithMessage("*no class sub-folders*");
    }
}
