using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
namespace I3D.Net.Models;

/// <summary>
/// Where <see cref="PretrainedWeights"/> (and <c>InceptionI3D.FromPretrained</c> / <c>TwoStreamI3D.FromPretrained</c>)
/// get published I3D weights.
/// </summary>
/// <remarks>
/// Lookup order: <see cref="WeightsPath"/> if set; otherwise the converted <c>&lt;name&gt;.safetensors</c> in
/// <see cref="CacheDirectory"/>; otherwise the TensorFlow data shard in the cache (verified and converted once);
/// otherwise, when <see cref="AllowDownload"/>, a download (resumed when a partial file is there, verified tensor by
/// tensor against the index shipped with I3D.Net, renamed into place atomically, then converted). See docs/weights.md.
/// </remarks>
public sealed record PretrainedWeightsOptions
{
    /// <summary>
    /// Files the user already has: this library's own safetensors of the model (as written by
    /// <c>Checkpoints.Save</c> or found in the cache; used as given, keys and shapes checked), or the published
    /// TensorFlow checkpoint — its folder, its <c>model.ckpt</c> prefix, its <c>.index</c> or its <c>.data</c> file,
    /// or a folder holding the checkpoints' sub-folders (<c>rgb_imagenet/</c>, <c>flow_imagenet/</c> …) as
    /// kinetics-i3d's <c>data/checkpoints</c> does. A TensorFlow checkpoint is verified against the index shipped
    /// with I3D.Net and converted into <see cref="CacheDirectory"/> once.
    /// </summary>
    public string? WeightsPath { get; init; }

    /// <summary>
    /// The cache folder; <see langword="null"/> for <see cref="PretrainedWeights.DefaultCacheDirectory"/>
    /// (<c>$I3D_NET_HOME</c>, else <c>$XDG_CACHE_HOME/i3d-net</c>, else <c>~/.cache/i3d-net</c>).
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Whether missing files may be downloaded. Default <see langword="true"/>.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>The HTTP client for downloads; <see langword="null"/> for a shared default client.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Receives the number of bytes of the current file downloaded so far (a resumed download starts at the bytes it already had).</summary>
    public IProgress<long>? Progress { get; init; }
}
