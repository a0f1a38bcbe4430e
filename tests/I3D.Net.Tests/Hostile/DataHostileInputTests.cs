using I3D.Net.Data.Annotations;
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
}
