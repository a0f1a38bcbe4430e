using TorchSharp;

namespace I3D.Net.Weights.SafeTensors;

/// <summary>Maps safetensors dtype names (<c>"F32"</c>, <c>"BF16"</c> …) to TorchSharp scalar types and back.</summary>
public static class SafeTensorsDType
{
    private static readonly (string Name, torch.ScalarType Type)[] Table =
    [
        ("F64", torch.ScalarType.Float64),
        ("F32", torch.ScalarType.Float32),
        ("F16", torch.ScalarType.Float16),
        ("BF16", torch.ScalarType.BFloat16),
        ("I64", torch.ScalarType.Int64),
        ("I32", torch.ScalarType.Int32),
        ("I16", torch.ScalarType.Int16),
        ("I8", torch.ScalarType.Int8),
        ("U8", torch.ScalarType.Byte),
        ("BOOL", torch.ScalarType.Bool),
    ];

    /// <summary>The dtype names this library reads and writes.</summary>
    public static IReadOnlyList<string> SupportedNames { get; } = Array.AsReadOnly(Table.Select(t => t.Name).ToArray());

    /// <summary>Gets the scalar type for a safetensors dtype name (case-sensitive, as the format specifies).</summary>
    /// <param name="name">The dtype name from a header, e.g. <c>"F32"</c>.</param>
    /// <param name="type">The matching scalar type when the name is supported.</param>
    /// <returns><see langword="true"/> when the name is supported.</returns>
    public static bool TryParse(string name, out torch.ScalarType type)
    {
        foreach (var (n, t) in Table)
        {
            if (n == name)
            {
                type = t;
                return true;
            }
        }

        type = default;
        return false;
    }

    /// <summary>Gets the safetensors dtype name of a scalar type.</summary>
    /// <param name="type">The scalar type.</param>
    /// <param name="name">The dtype name when the type can be stored.</param>
    /// <returns><see langword="true"/> when the type can be stored in a safetensors file by this library.</returns>
    public static bool TryGetName(torch.ScalarType type, out string name)
    {
        foreach (var (n, t) in Table)
        {
            if (t == type)
            {
                name = n;
                return true;
            }
        }

        name = string.Empty;
        return false;
    }

    /// <summary>Size in bytes of one element of a supported scalar type.</summary>
    /// <param name="type">A scalar type from <see cref="SupportedNames"/>.</param>
    /// <returns>The element size in bytes.</returns>
    public static int ElementSize(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float64 or torch.ScalarType.Int64 => 8,
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Int16 => 2,
        torch.ScalarType.Int8 or torch.ScalarType.Byte or torch.ScalarType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a safetensors dtype supported by I3D.Net."),
    };
}
