using I3D.Net.Layers;

namespace I3D.Net.Models;

/// <summary>
/// The I3D backbone as data: one row per endpoint, in network order, from <see cref="I3DEndpoint.Conv3d_1a_7x7"/> to
/// <see cref="I3DEndpoint.Mixed_5c"/> (the head, <see cref="I3DEndpoint.Logits"/>, follows the last row). The model
/// (<see cref="InceptionI3D"/>), the GoogLeNet inflation map, endpoint freezing in training and the kinetics-i3d
/// checkpoint name mapping are all built from a table like this, so an Inception-style variant (other widths, kernels
/// or strides) is one new table passed as <see cref="InceptionI3DOptions.Architecture"/>.
/// </summary>
public sealed record I3DArchitecture
{
    /// <summary>Creates an architecture from its rows.</summary>
    /// <param name="layers">One row per endpoint before <see cref="I3DEndpoint.Logits"/>, in <see cref="I3DEndpoint"/> order.</param>
    /// <exception cref="ArgumentException">A row is missing, out of order, or has the wrong number of widths or a non-positive size; the message lists every problem.</exception>
    public I3DArchitecture(IReadOnlyList<I3DLayerSpec> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var errors = new OptionErrors("I3D architecture");
        var endpoints = Enum.GetValues<I3DEndpoint>().Where(e => e != I3DEndpoint.Logits).ToArray();
        errors.Require(layers.Count == endpoints.Length,
            $"Expected {endpoints.Length} rows ({endpoints[0]} … {endpoints[^1]}), found {layers.Count}.");
        for (int i = 0; i < layers.Count; i++)
        {
            var row = layers[i];
            if (row is null) { errors.Require(false, $"Row {i} is null."); continue; }
            if (i < endpoints.Length)
                errors.Require(row.Endpoint == endpoints[i], $"Row {i} must be {endpoints[i]}; found {row.Endpoint}.");
            long[] sizes = [row.Kernel.T, row.Kernel.H, row.Kernel.W, row.Stride.T, row.Stride.H, row.Stride.W];
            errors.Require(sizes.All(s => s >= 1), $"{row.Endpoint}: kernel and stride must be positive; found kernel {row.Kernel}, stride {row.Stride}.");
            int expectedWidths = row.Kind switch { I3DLayerKind.Conv => 1, I3DLayerKind.MaxPool => 0, I3DLayerKind.Inception => 6, _ => -1 };
            errors.Require(expectedWidths >= 0, $"{row.Endpoint}: unknown kind {(int)row.Kind}.");
            if (expectedWidths >= 0)
                errors.Require(row.Widths is not null && row.Widths.Count == expectedWidths && row.Widths.All(w => w >= 1),
                    $"{row.Endpoint}: a {row.Kind} row needs {expectedWidths} positive width(s); found [{string.Join(", ", row.Widths ?? [])}].");
            if (row.Kind == I3DLayerKind.Inception)
                errors.Require(row.Kernel == (3, 3, 3) && row.Stride == (1, 1, 1),
                    $"{row.Endpoint}: an Inception block has 3×3×3 branches and stride 1; found kernel {row.Kernel}, stride {row.Stride}.");
        }
        errors.Require(layers.Count == 0 || layers[0]?.Kind == I3DLayerKind.Conv, "The first row must be a Conv (the stem).");
        errors.ThrowIfAny();
        Layers = layers.ToArray();
    }

    /// <summary>The rows in network order.</summary>
    public IReadOnlyList<I3DLayerSpec> Layers { get; }

    /// <summary>The reference I3D (Inception-v1 inflated, Carreira &amp; Zisserman 2017), as in pytorch-i3d and kinetics-i3d.</summary>
    public static I3DArchitecture Reference { get; } = new(
    [
        I3DLayerSpec.Conv(I3DEndpoint.Conv3d_1a_7x7, 64, (7, 7, 7), (2, 2, 2)),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_2a_3x3, (1, 3, 3), (1, 2, 2)),
        I3DLayerSpec.Conv(I3DEndpoint.Conv3d_2b_1x1, 64, (1, 1, 1)),
        I3DLayerSpec.Conv(I3DEndpoint.Conv3d_2c_3x3, 192, (3, 3, 3)),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_3a_3x3, (1, 3, 3), (1, 2, 2)),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_3b, 64, 96, 128, 16, 32, 32),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_3c, 128, 128, 192, 32, 96, 64),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_4a_3x3, (3, 3, 3), (2, 2, 2)),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4b, 192, 96, 208, 16, 48, 64),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4c, 160, 112, 224, 24, 64, 64),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4d, 128, 128, 256, 24, 64, 64),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4e, 112, 144, 288, 32, 64, 64),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_4f, 256, 160, 320, 32, 128, 128),
        I3DLayerSpec.MaxPool(I3DEndpoint.MaxPool3d_5a_2x2, (2, 2, 2), (2, 2, 2)),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_5b, 256, 160, 320, 32, 128, 128),
        I3DLayerSpec.Inception(I3DEndpoint.Mixed_5c, 384, 192, 384, 48, 128, 128),
    ]);

    /// <summary>The row of <paramref name="endpoint"/>.</summary>
    /// <param name="endpoint">An endpoint before <see cref="I3DEndpoint.Logits"/>.</param>
    public I3DLayerSpec this[I3DEndpoint endpoint] => Layers.FirstOrDefault(l => l.Endpoint == endpoint)
        ?? throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "The head (Logits) has no row.");

    /// <summary>Input channels of each row for a stream with <paramref name="inChannels"/> input channels, in row order.</summary>
    /// <param name="inChannels">Channels of the clip (3 for RGB, 2 for flow).</param>
    public long[] InputChannels(long inChannels)
    {
        var result = new long[Layers.Count];
        long channels = inChannels;
        for (int i = 0; i < Layers.Count; i++)
        {
            result[i] = channels;
            channels = Layers[i].OutChannels(channels);
        }
        return result;
    }

    /// <summary>Channels of the last row's output (the features the head reads): 1024 for <see cref="Reference"/>.</summary>
    public long FeatureChannels => Layers[^1].OutChannels(InputChannels(1)[^1]);

    /// <summary>The state-dict key prefix of an endpoint: its name and a dot, <c>logits.</c> for the head.</summary>
    /// <param name="endpoint">Any endpoint.</param>
    public static string KeyPrefix(I3DEndpoint endpoint) => endpoint == I3DEndpoint.Logits ? "logits." : endpoint + ".";

    /// <summary>The parameterised units of the architecture (convolutions and the units inside each Inception block),
    /// with their state-dict prefix (without the trailing dot) and weight shape <c>[out, in, kT, kH, kW]</c>, in row order.</summary>
    /// <param name="inChannels">Channels of the clip (3 for RGB, 2 for flow).</param>
    public IEnumerable<(string Key, long[] WeightShape)> Units(long inChannels)
    {
        var inputs = InputChannels(inChannels);
        for (int i = 0; i < Layers.Count; i++)
        {
            var row = Layers[i];
            long cin = inputs[i];
            var (kt, kh, kw) = row.Kernel;
            if (row.Kind == I3DLayerKind.Conv)
            {
                yield return (row.Name, [row.Widths[0], cin, kt, kh, kw]);
            }
            else if (row.Kind == I3DLayerKind.Inception)
            {
                var w = row.BranchWidths;
                yield return ($"{row.Name}.b0", [w.B0, cin, 1, 1, 1]);
                yield return ($"{row.Name}.b1a", [w.B1a, cin, 1, 1, 1]);
                yield return ($"{row.Name}.b1b", [w.B1b, w.B1a, kt, kh, kw]);
                yield return ($"{row.Name}.b2a", [w.B2a, cin, 1, 1, 1]);
                yield return ($"{row.Name}.b2b", [w.B2b, w.B2a, kt, kh, kw]);
                yield return ($"{row.Name}.b3b", [w.B3b, cin, 1, 1, 1]);
            }
        }
    }

    /// <inheritdoc />
    public bool Equals(I3DArchitecture? other) =>
        other is not null && Layers.Count == other.Layers.Count
        && Layers.Zip(other.Layers).All(p => p.First.Endpoint == p.Second.Endpoint && p.First.Kind == p.Second.Kind
            && p.First.Kernel == p.Second.Kernel && p.First.Stride == p.Second.Stride && p.First.Widths.SequenceEqual(p.Second.Widths));

    /// <inheritdoc />
    public override int GetHashCode() => Layers.Aggregate(Layers.Count, (h, l) => HashCode.Combine(h, l.Endpoint, l.Kind, l.Kernel, l.Stride, l.Widths.Count));
}
