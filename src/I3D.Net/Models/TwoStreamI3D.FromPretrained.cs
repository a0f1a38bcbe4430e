using I3D.Net.Weights;

namespace I3D.Net.Models;

public sealed partial class TwoStreamI3D
{
    /// <summary>
    /// Creates two-stream I3D with published weights: <see cref="I3DWeights.Kinetics400Rgb"/> and
    /// <see cref="I3DWeights.Kinetics400Flow"/> by default (the paper's Kinetics-400 model, logits summed), or
    /// <see cref="I3DWeights.Kinetics400TwoStream"/> as <paramref name="rgb"/> alone. Each stream is fetched, verified
    /// and cached as <see cref="InceptionI3D.FromPretrained"/> does.
    /// </summary>
    /// <param name="rgb">The RGB stream's weights (or a two-stream descriptor, with <paramref name="flow"/> left null); <see cref="I3DWeights.Kinetics400Rgb"/> when null.</param>
    /// <param name="flow">The flow stream's weights; <see cref="I3DWeights.Kinetics400Flow"/> when null.</param>
    /// <param name="options">
    /// Where to look and whether to download. A <see cref="PretrainedWeightsOptions.WeightsPath"/> folder is searched
    /// for both streams; a safetensors file there must hold a whole <see cref="TwoStreamI3D"/> (as <c>Checkpoints.Save</c> writes it).
    /// </param>
    /// <param name="cancellationToken">Cancels a download (what was received is resumed next time).</param>
    /// <returns>The model, on the CPU in float32, in evaluation mode, fusing by <see cref="StreamFusion.Sum"/>.</returns>
    /// <exception cref="ArgumentException">A descriptor is given as the wrong stream, the streams' class counts differ, or they are not I3D weights.</exception>
    /// <exception cref="FileNotFoundException">No files and no download; the message names the URLs and the folder to put them in.</exception>
    /// <exception cref="InvalidDataException">A file fails verification (the message names the tensor; a bad download is deleted) or does not fit the model.</exception>
    public static TwoStreamI3D FromPretrained(WeightsDescriptor? rgb = null, WeightsDescriptor? flow = null,
        PretrainedWeightsOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.Run(() => PretrainedWeights.CreateTwoStreamAsync(rgb, flow, options, cancellationToken), cancellationToken)
            .GetAwaiter().GetResult();

    /// <inheritdoc cref="FromPretrained"/>
    public static Task<TwoStreamI3D> FromPretrainedAsync(WeightsDescriptor? rgb = null, WeightsDescriptor? flow = null,
        PretrainedWeightsOptions? options = null, CancellationToken cancellationToken = default) =>
        PretrainedWeights.CreateTwoStreamAsync(rgb, flow, options, cancellationToken);
}
