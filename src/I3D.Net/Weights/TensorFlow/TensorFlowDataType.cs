using TorchSharp;

namespace I3D.Net.Weights.TensorFlow;

/// <summary>Maps TensorFlow's <c>DataType</c> enum (types.proto) to TorchSharp scalar types.</summary>
internal static class TensorFlowDataType
{
    public const int Float = 1;
    public const int Double = 2;
    public const int Int32 = 3;
    public const int UInt8 = 4;
    public const int Int16 = 5;
    public const int Int8 = 6;
    public const int String = 7;
    public const int Int64 = 9;
    public const int Bool = 10;
    public const int BFloat16 = 14;
    public const int Half = 19;

    public static torch.ScalarType? ToScalarType(int dataType) => dataType switch
    {
        Float => torch.ScalarType.Float32,
        Double => torch.ScalarType.Float64,
        Int32 => torch.ScalarType.Int32,
        UInt8 => torch.ScalarType.Byte,
        Int16 => torch.ScalarType.Int16,
        Int8 => torch.ScalarType.Int8,
        Int64 => torch.ScalarType.Int64,
        Bool => torch.ScalarType.Bool,
        BFloat16 => torch.ScalarType.BFloat16,
        Half => torch.ScalarType.Float16,
        _ => null,
    };

    public static int FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => Float,
        torch.ScalarType.Float64 => Double,
        torch.ScalarType.Int32 => Int32,
        torch.ScalarType.Byte => UInt8,
        torch.ScalarType.Int16 => Int16,
        torch.ScalarType.Int8 => Int8,
        torch.ScalarType.Int64 => Int64,
        torch.ScalarType.Bool => Bool,
        torch.ScalarType.BFloat16 => BFloat16,
        torch.ScalarType.Float16 => Half,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "No TensorFlow equivalent supported by I3D.Net."),
    };

    public static string Describe(int dataType) => dataType switch
    {
        String => "DT_STRING",
        8 => "DT_COMPLEX64",
        18 => "DT_COMPLEX128",
        20 => "DT_RESOURCE",
        21 => "DT_VARIANT",
        _ => ToScalarType(dataType) is { } t ? t.ToString() : $"DataType {dataType}",
    };
}
