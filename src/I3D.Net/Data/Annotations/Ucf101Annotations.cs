using System.Globalization;

namespace I3D.Net.Data.Annotations;

/// <summary>
/// UCF-101's official splits (<c>ucfTrainTestlist</c>): <c>classInd.txt</c> (<c>1 ApplyEyeMakeup</c>, 1-based),
/// <c>trainlist0N.txt</c> (<c>Class/v_Class_g08_c01.avi 1</c>) and <c>testlist0N.txt</c> (no label: the class is the
/// folder name, matched case-insensitively because the lists spell <c>HandStandPushups</c> where classInd has
/// <c>HandstandPushups</c>).
/// </summary>
public static class Ucf101Annotations
{
    /// <summary>Reads split <paramref name="split"/> (1–3).</summary>
    /// <param name="splitsFolder">The folder with classInd.txt and the lists.</param>
    /// <param name="videoRoot">The folder holding the class folders of videos.</param>
    /// <param name="split">The split number, 1 to 3.</param>
    /// <param name="subset">Train or test list.</param>
    /// <param name="options">Permissions (paths outside <paramref name="videoRoot"/>); null for <see cref="AnnotationOptions.Default"/>.</param>
    public static VideoAnnotations Load(string splitsFolder, string videoRoot, int split, DatasetSubset subset, AnnotationOptions? options = null)
    {
        options ??= AnnotationOptions.Default;
        options.Validate();
        ArgumentException.ThrowIfNullOrEmpty(splitsFolder);
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(split, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(split, 3);
        var classes = LoadClassIndex(Path.Combine(splitsFolder, "classInd.txt"));
        var list = Path.Combine(splitsFolder, subset == DatasetSubset.Train ? $"trainlist{split:00}.txt" : $"testlist{split:00}.txt");
        var items = new List<LabeledVideo>();
        foreach (var (line, text) in AnnotationFile.Lines(list))
        {
            var fields = text.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var path = fields[0];
            var folder = path.Replace('\\', '/').Split('/')[0];
            if (!path.Contains('/') && !path.Contains('\\'))
                throw AnnotationFile.Error(list, line, $"expected 'Class/video.avi', found '{path}'");
            int label;
            if (fields.Length >= 2)
            {
                label = AnnotationFile.Label(fields[1], classes, list, line, indexBase: 1);
                if (classes.TryGetIndex(folder, out var byFolder) && byFolder != label)
                    throw AnnotationFile.Error(list, line, $"label {fields[1]} ('{classes[label]}') disagrees with the folder '{folder}'");
            }
            else if (!classes.TryGetIndex(folder, out label))
                throw AnnotationFile.Error(list, line, $"folder '{folder}' matches none of the {classes.Count} classes in classInd.txt");
            items.Add(new LabeledVideo(AnnotationFile.Resolve(videoRoot, path, options, list, line), label));
        }
        if (items.Count == 0)
            throw new InvalidDataException($"UCF-101 list '{Path.GetFullPath(list)}' holds no entries.");
        return new VideoAnnotations(classes, items);
    }

    /// <summary>Reads <c>classInd.txt</c> (<c>index name</c>, indices 1..N in order).</summary>
    public static ClassMap LoadClassIndex(string path)
    {
        var names = new List<string>();
        foreach (var (line, text) in AnnotationFile.Lines(path))
        {
            var fields = text.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2 || !int.TryParse(fields[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index))
                throw AnnotationFile.Error(path, line, $"expected 'index ClassName', found '{text}'");
            if (index != names.Count + 1)
                throw AnnotationFile.Error(path, line, $"expected class index {names.Count + 1}, found {index}");
            names.Add(fields[1].Trim());
        }
        if (names.Count == 0)
            throw new InvalidDataException($"'{Path.GetFullPath(path)}' lists no classes.");
        return AnnotationFile.Classes(names, path);
    }
}
