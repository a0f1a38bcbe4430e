using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using I3D.Net.Weights.SafeTensors;
using static TorchSharp.torch;

namespace I3D.Net.Models;

/// <summary>
/// Builds I3D models initialised from ImageNet: torchvision's GoogLeNet weights are located (explicit path, cache
/// folder or download), mapped and inflated (<see cref="GoogLeNetInflation"/>) and loaded; the logits layer is fresh,
/// with the requested number of classes. This is what <c>InceptionI3D.FromImageNet</c> and
/// <c>TwoStreamI3D.FromImageNet</c> call.
/// </summary>
/// <remarks>
/// Models are built and loaded on the CPU in float32 with every parameter trainable; move them with <c>to()</c> and
/// create optimizers afterwards. Inputs must follow I3D's conventions (RGB in [-1, 1]), which are also the scaling
/// the GoogLeNet weights were trained with (see <see cref="GoogLeNetInflation"/>).
/// </remarks>
public static class ImageNetInitialization
{
    /// <summary>
    /// The default folder for downloaded weights: <c>$I3D_NET_HOME</c> if set, else <c>$XDG_CACHE_HOME/i3d-net</c>,
    /// else <c>~/.cache/i3d-net</c>.
    /// </summary>
    public static string DefaultCacheDirectory =>
        WeightsFileResolver.DefaultCacheDirectory(Environment.GetEnvironmentVariable,
            Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>Returns the path of the GoogLeNet weights file, downloading it into the cache if needed and allowed.</summary>
    /// <param name="weights">Where to look; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>A local file path.</returns>
    /// <exception cref="FileNotFoundException">No file and no download; the message names the file, the URL and the folder to put it in.</exception>
    /// <exception cref="InvalidDataException">A cached or downloaded file fails its SHA-256 check.</exception>
    public static Task<string> ResolveGoogLeNetAsync(ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default)
    {
        weights ??= new ImageNetWeightsOptions();
        if (weights.WeightsPath is { } path)
        {
            return File.Exists(path)
                ? Task.FromResult(Path.GetFullPath(path))
                : Task.FromException<string>(new FileNotFoundException(
                    $"The GoogLeNet weights file '{path}' (ImageNetWeightsOptions.WeightsPath) does not exist. Its official source is {weights.File.Url}.", path));
        }
        return WeightsFileResolver.ResolveAsync(weights.File, weights.CacheDirectory ?? DefaultCacheDirectory, weights.AllowDownload,
            weights.HttpClient, weights.Progress, cancellationToken);
    }

    /// <summary>Creates an <see cref="InceptionI3D"/> initialised from ImageNet GoogLeNet weights, with fresh logits.</summary>
    /// <param name="numClasses">Classes of the new logits layer.</param>
    /// <param name="inChannels">3 for RGB; 2 for flow (the first kernel's RGB channels are averaged).</param>
    /// <param name="options">Model options; the reference's when <see langword="null"/>.</param>
    /// <param name="weights">Where to get the weights and how to inflate them.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The model, on the CPU, all parameters trainable.</returns>
    public static async Task<InceptionI3D> CreateInceptionI3DAsync(int numClasses = 400, int inChannels = 3,
        InceptionI3DOptions? options = null, ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default)
    {
        weights ??= new ImageNetWeightsOptions();
        var path = await ResolveGoogLeNetAsync(weights, cancellationToken).ConfigureAwait(false);
        return CreateInceptionI3D(path, numClasses, inChannels, options, weights.InflationMode);
    }

    /// <summary>Creates an <see cref="InceptionI3D"/> from a GoogLeNet weights file on disk, with fresh logits.</summary>
    /// <param name="googLeNetPath">
    /// torchvision's <c>googlenet-1378be20.pth</c> or a compatible PyTorch zip state dict; or a safetensors file with
    /// GoogLeNet's state dict, or with an ImageNet-initialised I3D's (as <c>Checkpoints.Save</c> writes it; its logits are replaced).
    /// </param>
    /// <param name="numClasses">Classes of the new logits layer.</param>
    /// <param name="inChannels">3 for RGB; 2 for flow.</param>
    /// <param name="options">Model options; the reference's when <see langword="null"/>.</param>
    /// <param name="mode">How kernels are spread over time.</param>
    /// <returns>The model, on the CPU, all parameters trainable.</returns>
    /// <exception cref="InvalidDataException">The file is not a GoogLeNet state dict; the message names the file and the key.</exception>
    public static InceptionI3D CreateInceptionI3D(string googLeNetPath, int numClasses = 400, int inChannels = 3,
        InceptionI3DOptions? options = null, InflationMode mode = InflationMode.RepeatAndDivide)
    {
        var googLeNet = LoadSource(googLeNetPath);
        try
        {
            return Build(googLeNet, googLeNetPath, numClasses, inChannels, options, mode);
        }
        finally
        {
            foreach (var t in googLeNet.Values) t.Dispose();
        }
    }

    /// <summary>Creates a <see cref="TwoStreamI3D"/> whose RGB and flow streams both start from ImageNet GoogLeNet weights.</summary>
    /// <param name="numClasses">Classes of the new logits layers.</param>
    /// <param name="options">Options of both streams; the reference's when <see langword="null"/>.</param>
    /// <param name="fusion">How the streams' logits are fused.</param>
    /// <param name="weights">Where to get the weights and how to inflate them.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The model, on the CPU, all parameters trainable.</returns>
    public static async Task<TwoStreamI3D> CreateTwoStreamAsync(int numClasses = 400, InceptionI3DOptions? options = null,
        StreamFusion fusion = StreamFusion.Sum, ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default)
    {
        weights ??= new ImageNetWeightsOptions();
        var path = await ResolveGoogLeNetAsync(weights, cancellationToken).ConfigureAwait(false);
        return CreateTwoStream(path, numClasses, options, fusion, weights.InflationMode);
    }

    /// <summary>Creates a <see cref="TwoStreamI3D"/> from a GoogLeNet weights file on disk.</summary>
    /// <param name="googLeNetPath">
    /// torchvision's <c>googlenet-1378be20.pth</c> or a compatible PyTorch zip state dict; or a safetensors file with
    /// GoogLeNet's state dict, or with an ImageNet-initialised I3D's (as <c>Checkpoints.Save</c> writes it; its logits are replaced).
    /// </param>
    /// <param name="numClasses">Classes of the new logits layers.</param>
    /// <param name="options">Options of both streams; the reference's when <see langword="null"/>.</param>
    /// <param name="fusion">How the streams' logits are fused.</param>
    /// <param name="mode">How kernels are spread over time.</param>
    /// <returns>The model, on the CPU, all parameters trainable.</returns>
    public static TwoStreamI3D CreateTwoStream(string googLeNetPath, int numClasses = 400, InceptionI3DOptions? options = null,
        StreamFusion fusion = StreamFusion.Sum, InflationMode mode = InflationMode.RepeatAndDivide)
    {
        var googLeNet = LoadSource(googLeNetPath);
        try
        {
            var rgb = Build(googLeNet, googLeNetPath, numClasses, 3, options, mode);
            var flow = Build(googLeNet, googLeNetPath, numClasses, 2, options, mode);
            return new TwoStreamI3D(rgb, flow, fusion);
        }
        finally
        {
            foreach (var t in googLeNet.Values) t.Dispose();
        }
    }

    /// <summary>A PyTorch file as before, or a safetensors file (this library's own format): GoogLeNet's or an I3D's state dict.</summary>
    static Dictionary<string, Tensor> LoadSource(string path) =>
        File.Exists(path) && Checkpoints.DetectFormat(path) == CheckpointFormat.SafeTensors
            ? SafeTensorsFile.Load(path)
            : PyTorchStateDict.Load(path);

    /// <summary>The key that tells an already inflated I3D state dict (e.g. saved by <c>Checkpoints.Save</c> after <c>FromImageNet</c>) from GoogLeNet's.</summary>
    const string I3DStemKey = "Conv3d_1a_7x7.conv3d.weight";

    /// <summary>
    /// An I3D state dict used as the ImageNet starting point: every key but the logits, the stem averaged to
    /// <paramref name="inChannels"/> where it has another number of input channels (as inflation does for flow).
    /// </summary>
    static Dictionary<string, Tensor> FromI3D(IReadOnlyDictionary<string, Tensor> i3d, int inChannels)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, value) in i3d)
        {
            if (key.StartsWith("logits.", StringComparison.Ordinal)) continue;
            result[key] = key == I3DStemKey && value.dim() == 5 && value.shape[1] != inChannels
                ? Inflation.AverageInputChannels(value, inChannels)
                : value.clone();
        }
        return result;
    }

    static InceptionI3D Build(IReadOnlyDictionary<string, Tensor> googLeNet, string source, int numClasses, int inChannels,
        InceptionI3DOptions? options, InflationMode mode)
    {
        var model = new InceptionI3D(numClasses, inChannels, options);
        Dictionary<string, Tensor> inflated;
        try
        {
            // Kernels are inflated to the shapes of the model's own layers (their temporal size read from each target).
            inflated = googLeNet.ContainsKey(I3DStemKey)
                ? FromI3D(googLeNet, inChannels)
                : GoogLeNetInflation.ToI3DStateDict(googLeNet, model, mode, source);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        try
        {
            var result = StateDictLoader.Load(model, inflated, strict: false, source);
            // The fresh logits layer and BatchNorm counters are the only model keys ImageNet does not provide.
            var missing = result.Missing.Where(k => !k.StartsWith("logits.", StringComparison.Ordinal)
                                                    && !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal)).ToList();
            if (missing.Count > 0)
                throw new InvalidOperationException($"ImageNet initialisation left model keys unset: {string.Join(", ", missing)}.");
            // Layers past options.FinalEndpoint are not built, so their inflated weights are expected to go unused.
            if (result.Unexpected.Count > 0 && model.FinalEndpoint == I3DEndpoint.Logits)
                throw new InvalidOperationException($"ImageNet initialisation produced keys the model lacks: {string.Join(", ", result.Unexpected)}.");
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
        finally
        {
            foreach (var t in inflated.Values) t.Dispose();
        }
    }
}
