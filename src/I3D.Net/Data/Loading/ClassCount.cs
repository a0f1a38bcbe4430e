namespace I3D.Net.Data.Loading;

/// <summary>How many items of one class a <see cref="DatasetCheck"/> found, and how many of them decode.</summary>
/// <param name="Label">The class index.</param>
/// <param name="Name">The class name.</param>
/// <param name="Items">Items annotated with the class.</param>
/// <param name="Readable">Those of them that decode.</param>
public sealed record ClassCount(int Label, string Name, int Items, int Readable);
