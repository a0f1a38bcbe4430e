namespace I3D.Net.Data.Annotations;

/// <summary>
/// Reads the training and validation sets of a dataset in any <see cref="AnnotationFormat"/>, with one class map for
/// both (the validation set is read with the training set's classes), as a training program or the <c>i3d finetune</c>
/// command needs them.
/// </summary>
public static class DatasetSplits
{
    /// <summary>Reads the training set and, where the layout has one, the validation set.</summary>
    /// <param name="format">The layout.</param>
    /// <param name="videoRoot">The folder the videos (or frame folders) are in.</param>
    /// <param name="trainFile">The training list or CSV (<see cref="AnnotationFormat.List"/>, <see cref="AnnotationFormat.RawFrames"/>, <see cref="AnnotationFormat.Kinetics"/>).</param>
    /// <param name="valFile">The validation list or CSV of the same formats; optional.</param>
    /// <param name="splitsFolder">The official split files' folder (<see cref="AnnotationFormat.Ucf101"/>, <see cref="AnnotationFormat.Hmdb51"/>).</param>
    /// <param name="split">Which official split, 1 to 3.</param>
    /// <returns>The training set and the validation set (the official test split for UCF-101 and HMDB-51; null when there is none).</returns>
    /// <exception cref="ArgumentException">A file or folder the format needs was not given (the message names the option).</exception>
    public static (VideoAnnotations Train, VideoAnnotations? Val) Load(AnnotationFormat format, string videoRoot, string? trainFile = null,
        string? valFile = null, string? splitsFolder = null, int split = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(videoRoot);
        string Need(string? value, string what) => value ?? throw new ArgumentException($"The {format} format needs {what}.");
        switch (format)
        {
            case AnnotationFormat.List:
            {
                var train = LabelListAnnotations.Load(Need(trainFile, "a training list"), videoRoot);
                return (train, valFile is null ? null : LabelListAnnotations.Load(valFile, videoRoot, train.Classes));
            }
            case AnnotationFormat.RawFrames:
            {
                var train = RawFrameListAnnotations.Load(Need(trainFile, "a training list"), videoRoot);
                return (train, valFile is null ? null : RawFrameListAnnotations.Load(valFile, videoRoot, train.Classes));
            }
            case AnnotationFormat.Kinetics:
            {
                var train = KineticsCsvAnnotations.Load(Need(trainFile, "a training CSV"), videoRoot);
                return (train, valFile is null ? null : KineticsCsvAnnotations.Load(valFile, videoRoot, train.Classes));
            }
            case AnnotationFormat.Folders:
            {
                var train = FolderPerClassAnnotations.Load(Path.Combine(videoRoot, "train"));
                var val = Path.Combine(videoRoot, "val");
                return (train, Directory.Exists(val) ? FolderPerClassAnnotations.Load(val) : null);
            }
            case AnnotationFormat.Ucf101:
                return (Ucf101Annotations.Load(Need(splitsFolder, "the split files' folder"), videoRoot, split, DatasetSubset.Train),
                    Ucf101Annotations.Load(splitsFolder!, videoRoot, split, DatasetSubset.Test));
            case AnnotationFormat.Hmdb51:
                return (Hmdb51Annotations.Load(Need(splitsFolder, "the split files' folder"), videoRoot, split, DatasetSubset.Train),
                    Hmdb51Annotations.Load(splitsFolder!, videoRoot, split, DatasetSubset.Test));
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown annotation format.");
        }
    }
}
