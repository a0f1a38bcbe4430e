using I3D.Net.Weights;

namespace I3D.Net.Models;

public sealed partial class TwoStreamI3D
{
    /// <summary>
    /// Creates two-stream I3D with both streams initialised from ImageNet (torchvision's GoogLeNet inflated to 3D;
    /// the flow stream's first kernel averages the RGB channels into 2), with fresh logits of <paramref name="numClasses"/>.
    /// </summary>
    /// <param name="numClasses">Classes of the new logits layers.</param>
    /// <param name="options">Options of both streams; the reference's when <see langword="null"/>.</param>
    /// <param name="fusion">How the streams' logits are fused.</param>
    /// <param name="weights">Where to get the weights and how to inflate them.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>The model, on the CPU, all parameters trainable.</returns>
    /// <exception cref="FileNotFoundException">No file and no download; the message names the file, the URL and the folder to put it in.</exception>
    /// <exception cref="InvalidDataException">The file fails its hash check or is not a GoogLeNet state dict.</exception>
    public static TwoStreamI3D FromImageNet(int numClasses = 400, InceptionI3DOptions? options = null,
        StreamFusion fusion = StreamFusion.Sum, ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => ImageNetInitialization.CreateTwoStreamAsync(numClasses, options, fusion, weights, cancellationToken),
            cancellationToken).GetAwaiter().GetResult();

    /// <inheritdoc cref="FromImageNet"/>
    public static Task<TwoStreamI3D> FromImageNetAsync(int numClasses = 400, InceptionI3DOptions? options = null,
        StreamFusion fusion = StreamFusion.Sum, ImageNetWeightsOptions? weights = null, CancellationToken cancellationToken = default) =>
        ImageNetInitialization.CreateTwoStreamAsync(numClasses, options, fusion, weights, cancellationToken);
}
