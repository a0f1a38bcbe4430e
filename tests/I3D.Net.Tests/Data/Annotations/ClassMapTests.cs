using I3D.Net.Data.Annotations;

namespace I3D.Net.Tests.Data.Annotations;

public class ClassMapTests
{
    [Fact]
    public void Looks_up_names_case_insensitively()
    {
        var map = new ClassMap(["ApplyEyeMakeup", "HandstandPushups"]);
        map.IndexOf("HandStandPushups").Should().Be(1);
        map.TryGetIndex("applyeyemakeup", out var i).Should().BeTrue();
        i.Should().Be(0);
        var act = () => map.IndexOf("Swimming");
        act.Should().Throw<KeyNotFoundException>().WithMessage("*Swimming*2 known classes*ApplyEyeMakeup*");
    }

    [Fact]
    public void Rejects_duplicates_and_blank_names()
    {
        var dup = () => new ClassMap(["a", "B", "b"]);
        dup.Should().Throw<ArgumentException>().WithMessage("*'b' (index 2) duplicates 'B' (index 1)*");
        var blank = () => new ClassMap(["a", " "]);
        blank.Should().Throw<ArgumentException>().WithMessage("*Class name 1*");
        var none = () => new ClassMap([]);
        none.Should().Throw<ArgumentException>();
    }

    [Fact]
    public void Round_trips_through_json_and_a_file()
    {
        using var tmp = new TempFolder();
        var map = new ClassMap(["air drumming", "person collecting garbage, litter", "naïve \"quoted\""]);
        var json = map.ToJson();
        json.Should().Contain("\"format\": \"i3d.net.classmap\"");
        ClassMap.FromJson(json).Should().Equal(map);
        map.Save(tmp.File("sub/classes.json"));
        ClassMap.Load(tmp.File("sub/classes.json")).Names.Should().Equal(map.Names);
        Directory.GetFiles(tmp.File("sub")).Should().ContainSingle("the write is atomic and leaves no temp file");
        ClassMap.FromJson("[\"x\",\"y\"]").Names.Should().Equal("x", "y");
    }

    [Fact]
    public void Bad_json_gives_InvalidData()
    {
        var notJson = () => ClassMap.FromJson("{oops");
        notJson.Should().Throw<InvalidDataException>().WithMessage("*not valid JSON*");
        var wrongFormat = () => ClassMap.FromJson("{\"format\":\"other\",\"classes\":[\"a\"]}");
        wrongFormat.Should().Throw<InvalidDataException>().WithMessage("*format 'i3d.net.classmap'*other*");
        var numbers = () => ClassMap.FromJson("{\"classes\":[1]}");
        numbers.Should().Throw<InvalidDataException>().WithMessage("*JSON strings*Number*");
    }

    [Fact]
    public void Reads_the_kinetics_label_map_style()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("label_map.txt"), "abseiling\nair drumming\n\n");
        ClassMap.FromLabelMapFile(tmp.File("label_map.txt")).Names.Should().Equal("abseiling", "air drumming");
    }
}
