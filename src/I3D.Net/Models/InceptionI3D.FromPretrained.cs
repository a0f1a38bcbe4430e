using I3D.Net.Weights;

namespace I3D.Net.Models;

public sealed partial class InceptionI3D
{
    /// <summary>
    /// Creates an I3D stream with published weights, e.g. <see cref="I3DWeights.Kinetics400Rgb"/> (any single-stream
    /// descriptor of <see cref="I3DWeights"/>, Kinetics-600 included). The first call downloads the TensorFlow
    /// checkpoint (resumable), verifies every tensor against the index shipped with I3D.Net and converts it into the
    /// cache; later calls load the converted safetensors. See <see cref="PretrainedWeights"/> and docs/weights.md.
    /// </summary>
    /// <param name="weights">Which weights.</param>
    /// <param name="options">Where to look and whether to download; defaults when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels a download (what was received is resumed next time).</param>
    /// <returns>The model, on the CPU in float32, in evaluation mode (call <c>train()</c> to fine-tune), with
    /// <see cref="WeightsDescriptor.NumClasses"/> classes (their names are <see cref="WeightsDescriptor.Classes"/>).</returns>
    /// <exception cref="ArgumentException">The weights are two-stream (use <see cref="TwoStreamI3D.FromPretrained"/>) or not I3D weights.</exception>
    /// <exception cref="FileNotFoundException">No files and no download; the message names the URLs and the folder to put them in.</exception>
    /// <exception cref="InvalidDataException">A file fails verification (the message names the tensor; a bad download is deleted) or does not fit the model.</exception>
    public static InceptionI3D FromPretrained(WeightsDescriptor weights, PretrainedWeightsOptions? options = null,
        CancellationToken cancellationToken = default) =>
        // Task.Run: no synchronisation context can deadlock the blocking wait on the (possibly downloading) lookup.
        Task.Run(() => PretrainedWeights.CreateInceptionI3DAsync(weights, options, cancellationToken), cancellationToken)
            .GetAwaiter().GetResult();

    /// <inheritdoc cref="FromPretrained"/>
    public static Task<InceptionI3D> FromPretrainedAsync(WeightsDescriptor weights, PretrainedWeightsOptions? options = null,
        CancellationToken cancellationToken = default) =>
        PretrainedWeights.CreateInceptionI3DAsync(weights, options, cancellationToken);
}
