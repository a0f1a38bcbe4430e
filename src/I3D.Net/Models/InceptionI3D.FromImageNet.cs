using I3D.Net.Weights;

namespace I3D.Net.Models;

public sealed partial class InceptionI3D
{
    /// <summary>
    /// Creates an I3D stream initialised from ImageNet (torchvision's GoogLeNet, inflated to 3D as in the paper),
    /// with a fresh logits layer of <paramref name="numClasses"/>. The weights file comes from
    /// <see cref="ImageNetWeightsOptions.WeightsPath"/>, the cache folder, or a verified download.
    /// </summary>
    /// <param name="numClasses">Classes of the new logits layer.</param>
    /// <param name="inChannels">3 for RGB; 2 for flow (the first kernel's RGB channels are averaged).</param>
    /// <param name="options">Model options; the reference's when <see langword="null"/>.</param>
    /// <param name="weights">Where to get the weights and how to inflate them.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The model, on the CPU, all parameters trainable.</returns>
    /// <exception cref="FileNotFoundException">No file and no download; the message names the file, the URL and the folder to put it in.</exception>
    /// <exception cref="InvalidDataException">The file fails its hash check or is not a GoogLeNet state dict.</exception>
    public static InceptionI3D FromImageNet(int numClasses = 400, int inChannels = 3, InceptionI3DOptions? options = null,
        ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default) =>
        // Task.Run: no synchronisation context can deadlock the blocking wait on the (possibly downloading) lookup.
        Task.Run(() => ImageNetInitialization.CreateInceptionI3DAsync(numClasses, inChannels, options, weights, cancellationToken),
            cancellationToken).GetAwaiter().GetResult();

    /// <inheritdoc cref="FromImageNet"/>
    public static Task<InceptionI3D> FromImageNetAsync(int numClasses = 400, int inChannels = 3, InceptionI3DOptions? options = null,
        ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default) =>
        ImageNetInitialization.CreateInceptionI3DAsync(numClasses, inChannels, options, weights, cancellationToken);
}
