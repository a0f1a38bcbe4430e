namespace I3D.Net.Training;

/// <summary>
/// The I3D endpoints in network order with the state-dict key prefix of each, used to freeze "everything before an
/// endpoint". Pooling endpoints own no parameters but are valid names.
/// </summary>
internal static class I3DEndpointKeys
{
    /// <summary>Endpoint names, in order (those of <c>I3DEndpoint</c>).</summary>
    public static readonly string[] Names =
    [
        "Conv3d_1a_7x7", "MaxPool3d_2a_3x3", "Conv3d_2b_1x1", "Conv3d_2c_3x3", "MaxPool3d_3a_3x3",
        "Mixed_3b", "Mixed_3c", "MaxPool3d_4a_3x3", "Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f",
        "MaxPool3d_5a_2x2", "Mixed_5b", "Mixed_5c", "Logits",
    ];

    /// <summary>The index of an endpoint name (case-insensitive), or -1.</summary>
    public static int IndexOf(string name) => Array.FindIndex(Names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The state-dict key prefix of an endpoint: its name with a dot, <c>logits.</c> for Logits.</summary>
    public static string KeyPrefix(int index) => index == Names.Length - 1 ? "logits." : Names[index] + ".";

    /// <summary>Key prefixes of every endpoint before <paramref name="firstTrained"/>.</summary>
    public static IEnumerable<string> PrefixesBefore(string firstTrained)
    {
        var index = IndexOf(firstTrained);
        if (index < 0) throw new ArgumentException($"Unknown I3D endpoint \"{firstTrained}\"; expected one of {string.Join(", ", Names)}.", nameof(firstTrained));
        for (var i = 0; i < index; i++) yield return KeyPrefix(i);
    }
}
