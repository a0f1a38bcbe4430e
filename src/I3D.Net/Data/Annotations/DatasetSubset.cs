namespace I3D.Net.Data.Annotations;

/// <summary>Which part of an official split to load.</summary>
public enum DatasetSubset
{
    /// <summary>The training videos.</summary>
    Train,

    /// <summary>The test (evaluation) videos.</summary>
    Test,
}
