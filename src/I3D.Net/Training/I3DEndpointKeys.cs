using I3D.Net.Models;

namespace I3D.Net.Training;

/// <summary>
/// The I3D endpoints in network order with the state-dict key prefix of each, used to freeze "everything before an
/// endpoint". Both come from the architecture: the endpoints are <see cref="I3DEndpoint"/> (the rows of every
/// <see cref="I3DArchitecture"/>, then the head) and each prefix is <see cref="I3DArchitecture.KeyPrefix"/>. Pooling
/// endpoints own no parameters but are valid names.
/// </summary>
internal static class I3DEndpointKeys
{
    private static readonly I3DEndpoint[] Endpoints = Enum.GetValues<I3DEndpoint>();

    /// <summary>Endpoint names, in order (those of <see cref="I3DEndpoint"/>).</summary>
    public static readonly string[] Names = Endpoints.Select(e => e.ToString()).ToArray();

    /// <summary>The index of an endpoint name (case-insensitive), or -1.</summary>
    public static int IndexOf(string name) => Array.FindIndex(Names, n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The state-dict key prefix of an endpoint: its name with a dot, <c>logits.</c> for Logits.</summary>
    public static string KeyPrefix(int index) => I3DArchitecture.KeyPrefix(Endpoints[index]);

    /// <summary>Key prefixes of every endpoint before <paramref name="firstTrained"/>.</summary>
    public static IEnumerable<string> PrefixesBefore(string firstTrained)
    {
        var index = IndexOf(firstTrained);
        if (index < 0) throw new ArgumentException($"Unknown I3D endpoint \"{firstTrained}\"; expected one of {string.Join(", ", Names)}.", nameof(firstTrained));
        for (var i = 0; i < index; i++) yield return KeyPrefix(i);
    }
}
