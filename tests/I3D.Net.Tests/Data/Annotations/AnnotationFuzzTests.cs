using System.Text;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Video;

namespace I3D.Net.Tests.Data.Annotations;

/// <summary>
/// Issue 14 item 19: whatever an annotation file or a frame name holds, the parsers either accept it or throw
/// <see cref="InvalidDataException"/> naming the file (no <see cref="OverflowException"/>, <see cref="FormatException"/>,
/// <see cref="ArgumentException"/> or <see cref="IndexOutOfRangeException"/>). Inputs are drawn, seeded, from tokens the
/// fuzzing round found troublesome.
/// </summary>
public class AnnotationFuzzTests
{
    private static readonly string[] Tokens =
    [
        "a.mp4", "walk/v 1.avi", "../x.avi", "/etc/passwd", "0", "1", "2", "-1", "2147483647", "-2147483648", "99999999999",
        "50000000", "NaN", "Infinity", "1e300", "-0", "1.5", "+5", "0x10", "\u0663", "\u0661\u0662", "\"", "\"a,b\"", "\"\"", ",", ",,",
        "walk", "Walk", "WALK", "#", "\uFEFF", "\t", " ", "", "train", "test", "\u00e9t\u00e9", "C:\\v.avi", "a\\..\\..\\b",
    ];

    private static string Line(Random random, int fields, string separator)
    {
        var parts = Enumerable.Range(0, random.Next(0, fields + 2)).Select(_ => Tokens[random.Next(Tokens.Length)]);
        return string.Join(separator, parts);
    }

    private static string Lines(Random random, int fields, string separator, string? header = null)
    {
        var text = new StringBuilder(header);
        for (int i = 0, n = random.Next(0, 6); i < n; i++)
            text.Append(Line(random, fields, separator)).Append(random.Next(4) == 0 ? "\r\n" : "\n");
        return text.ToString();
    }

    private static void OnlyInvalidData(Action parse, string file, string input)
    {
        try
        {
            parse();
        }
        catch (InvalidDataException ex)
        {
            ex.Message.Should().Contain(Path.GetFileName(file), $"the error should name the file; input:\n{input}");
        }
        catch (Exception ex)
        {
            throw new Xunit.Sdk.XunitException($"{ex.GetType().Name} escaped for input:\n{input}\n{ex}");
        }
    }

    [Fact]
    public void List_formats_throw_only_InvalidData_naming_the_file()
    {
        using var tmp = new TempFolder();
        var random = new Random(14);
        var list = tmp.File("list.txt");
        var csv = tmp.File("kinetics.csv");
        for (var i = 0; i < 400; i++)
        {
            var text = Lines(random, 2, random.Next(3) == 0 ? "\t" : " ");
            File.WriteAllText(list, text);
            OnlyInvalidData(() => LabelListAnnotations.Load(list, tmp.Path), list, text);
            OnlyInvalidData(() => RawFrameListAnnotations.Load(list, tmp.Path), list, text);
            OnlyInvalidData(() => LabelListAnnotations.Load(list, tmp.Path, new ClassMap(["walk", "run"])), list, text);

            var rows = Lines(random, 5, ",", "label,youtube_id,time_start,time_end,split\n");
            File.WriteAllText(csv, rows);
            OnlyInvalidData(() => KineticsCsvAnnotations.Load(csv, tmp.Path), csv, rows);
        }
    }

    [Fact]
    public void Official_split_formats_throw_only_InvalidData_naming_the_file()
    {
        using var tmp = new TempFolder();
        var random = new Random(15);
        var ucf = Directory.CreateDirectory(tmp.File("ucf")).FullName;
        var hmdb = Directory.CreateDirectory(tmp.File("hmdb")).FullName;
        for (var i = 0; i < 300; i++)
        {
            var classInd = random.Next(3) == 0 ? Lines(random, 2, " ") : "1 walk\n2 run\n";
            var train = Lines(random, 2, " ");
            File.WriteAllText(Path.Combine(ucf, "classInd.txt"), classInd);
            File.WriteAllText(Path.Combine(ucf, "trainlist01.txt"), train);
            File.WriteAllText(Path.Combine(ucf, "testlist01.txt"), train);
            OnlyInvalidData(() => Ucf101Annotations.Load(ucf, tmp.Path, 1, DatasetSubset.Train), "txt", classInd + "----\n" + train);
            OnlyInvalidData(() => Ucf101Annotations.Load(ucf, tmp.Path, 1, DatasetSubset.Test), "txt", classInd + "----\n" + train);

            var split = Lines(random, 2, " ");
            File.WriteAllText(Path.Combine(hmdb, "walk_test_split1.txt"), split);
            OnlyInvalidData(() => Hmdb51Annotations.Load(hmdb, tmp.Path, 1, DatasetSubset.Train), "walk_test_split1.txt", split);

            var labelMap = Lines(random, 1, " ");
            var mapFile = tmp.File("label_map.txt");
            File.WriteAllText(mapFile, labelMap);
            OnlyInvalidData(() => ClassMap.FromLabelMapFile(mapFile), mapFile, labelMap);
        }
    }

    [Fact]
    public void Frame_names_throw_only_InvalidData_naming_a_file()
    {
        using var tmp = new TempFolder();
        var random = new Random(16);
        string[] numbers = ["1", "01", "001", "2", "\u0661", "\u06F1", "\uFF11", "99999999999999999999", "9223372036854775807", "0"];
        string[] prefixes = ["img_", "x_", "y_", "flow_x_", "flow_y_", "", "IMG_", "frame"];
        string[] extensions = [".jpg", ".png", ".JPG", ".bmp"];
        using var image = new OpenCvSharp.Mat(8, 8, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(50));
        OpenCvSharp.Cv2.ImWrite(tmp.File("source.jpg"), image);
        for (var i = 0; i < 60; i++)
        {
            var folder = Directory.CreateDirectory(tmp.File($"f{i}")).FullName;
            var names = Enumerable.Range(0, random.Next(1, 5))
                .Select(_ => prefixes[random.Next(prefixes.Length)] + numbers[random.Next(numbers.Length)] + extensions[random.Next(extensions.Length)])
                .Distinct().ToList();
            foreach (var name in names)
                File.Copy(tmp.File("source.jpg"), Path.Combine(folder, name));
            var input = string.Join(", ", names);
            OnlyInvalidData(() => new FrameFolderReader(folder).Dispose(), folder, input);
            OnlyInvalidData(() => new FlowFolderReader(folder).Dispose(), folder, input);
        }
    }
}
