using I3D.Net.Data.Annotations;

namespace I3D.Net.Data.Synthetic;

/// <summary>What <see cref="SyntheticActionDataset.Generate"/> wrote.</summary>
/// <param name="Root">The dataset folder (one folder per class).</param>
/// <param name="Classes">The class map (also written as <c>class_map.json</c>).</param>
/// <param name="Train">The training items (also <c>train.txt</c>).</param>
/// <param name="Validation">The validation items (also <c>val.txt</c>).</param>
/// <param name="Test">The test items (also <c>test.txt</c>).</param>
public sealed record SyntheticDataset(string Root, ClassMap Classes, VideoAnnotations Train, VideoAnnotations Validation, VideoAnnotations Test)
{
    /// <summary>The <c>path label</c> list of the training split.</summary>
    public string TrainList => Path.Combine(Root, "train.txt");

    /// <summary>The <c>path label</c> list of the validation split.</summary>
    public string ValidationList => Path.Combine(Root, "val.txt");

    /// <summary>The <c>path label</c> list of the test split.</summary>
    public string TestList => Path.Combine(Root, "test.txt");

    /// <summary>The JSON class map.</summary>
    public string ClassMapFile => Path.Combine(Root, "class_map.json");
}
