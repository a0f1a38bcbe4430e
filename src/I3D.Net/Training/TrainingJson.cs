using System.Text.Json;
using System.Text.Json.Serialization;

namespace I3D.Net.Training;

/// <summary>JSON settings shared by trainer state, manifests and history: camelCase, enums as strings, NaN allowed.</summary>
internal static class TrainingJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };
}
