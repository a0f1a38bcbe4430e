using System.Text.Json;
using System.Text.Json.Serialization;

namespace I3D.Net.Tool;

/// <summary>The <c>--json</c> output: camelCase, indented, enums as strings, nulls left out.</summary>
internal static class Json
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        // Paths and class names as they are ('+', '&', quotes unescaped): the output goes to scripts, not into HTML.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="value"/> as one JSON document followed by a newline.</summary>
    public static void Write<T>(ToolEnvironment environment, T value)
    {
        environment.Text.WriteLine(JsonSerializer.Serialize(value, Options));
        environment.Text.Flush();
    }
}
