using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
namespace I3D.Net.Models;

/// <summary>Where <see cref="ImageNetInitialization"/> gets the ImageNet GoogLeNet weights and how it inflates them.</summary>
/// <remarks>
/// Lookup order: <see cref="WeightsPath"/> if set (used as given, not hash-checked); otherwise
/// <see cref="File"/>'s name in <see cref="CacheDirectory"/> (hash-checked); otherwise, when
/// <see cref="AllowDownload"/>, a download from <see cref="File"/>'s URL into the cache (hash-checked, written atomically).
/// </remarks>
public sealed record ImageNetWeightsOptions
{
    /// <summary>
    /// An explicit weights file, used as given — not hash-checked, so a re-saved copy works — but with its keys and
    /// shapes verified: GoogLeNet's state dict as a PyTorch zip or as safetensors, or this library's own safetensors of
    /// an ImageNet-initialised <c>InceptionI3D</c> (as <c>Checkpoints.Save</c> writes it after <c>FromImageNet</c>),
    /// whose logits are replaced and whose first kernel is averaged to the wanted input channels (RGB → flow).
    /// </summary>
    public string? WeightsPath { get; init; }

    /// <summary>
    /// The cache folder; <see langword="null"/> for <see cref="ImageNetInitialization.DefaultCacheDirectory"/>
    /// (<c>$I3D_NET_HOME</c>, else <c>$XDG_CACHE_HOME/i3d-net</c>, else <c>~/.cache/i3d-net</c>).
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Whether a missing file may be downloaded. Default <see langword="true"/>.</summary>
    public bool AllowDownload { get; init; } = true;

    /// <summary>
    /// The file to look for and download: torchvision's <c>googlenet-1378be20.pth</c> by default. Replace it to use
    /// a mirror (keep the hash) or another compatible file.
    /// </summary>
    public WeightsFile File { get; init; } = I3DWeights.ImageNetGoogLeNet.Files[0];

    /// <summary>The HTTP client for downloads; <see langword="null"/> for a shared default client.</summary>
    public HttpClient? HttpClient { get; init; }

    /// <summary>Receives the number of bytes downloaded so far.</summary>
    public IProgress<long>? Progress { get; init; }

    /// <summary>How 2D kernels are spread over time. Default <see cref="InflationMode.RepeatAndDivide"/> (the paper's).</summary>
    public InflationMode InflationMode { get; init; } = InflationMode.RepeatAndDivide;
}
