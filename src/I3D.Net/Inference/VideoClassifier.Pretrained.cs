using I3D.Net.Flow;
using I3D.Net.Models;
using I3D.Net.Weights;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

public sealed partial class VideoClassifier
{
    /// <summary>
    /// The flow the published Kinetics flow streams expect: TV-L1 with OpenCV's defaults on consecutive grayscale
    /// frames, clipped to ±20 px and scaled to [-1, 1], not quantised (kinetics-i3d's preprocessing; it computed
    /// flow on frames already resized to a 256-pixel short side, which is approximated here by computing it on the
    /// decoded frames and resizing the flow with the RGB frames).
    /// </summary>
    public static FlowSettings KineticsFlow { get; } = FlowSettings.Describe(new TvL1OpticalFlow()) with { Quantized = false, JpegQuality = null };

    /// <summary>
    /// A classifier with published weights, downloaded (or found in <see cref="PretrainedWeightsOptions.WeightsPath"/>),
    /// verified and cached by <see cref="InceptionI3D.FromPretrained"/>/<see cref="TwoStreamI3D.FromPretrained"/>:
    /// by default the paper's two-stream Kinetics-400 model with its 400 class names.
    /// </summary>
    /// <param name="weights">
    /// <see langword="null"/> for two-stream Kinetics-400 (<see cref="I3DWeights.Kinetics400Rgb"/> +
    /// <see cref="I3DWeights.Kinetics400Flow"/>), a two-stream descriptor, or one stream's descriptor (e.g.
    /// <see cref="I3DWeights.Kinetics400Rgb"/> alone: no optical flow to compute).
    /// </param>
    /// <param name="options">How videos are prepared; the weights' conventions (25 fps, short side 256, crop 224) by default.</param>
    /// <param name="pretrained">Where to look for the files, the cache and whether to download.</param>
    /// <param name="cancellationToken">Cancels a download.</param>
    /// <returns>A classifier that owns its model (dispose it).</returns>
    /// <exception cref="FileNotFoundException">No files and no download allowed; the message names the URLs and the folder to put them in.</exception>
    /// <exception cref="InvalidDataException">A file fails verification.</exception>
    public static VideoClassifier FromPretrained(WeightsDescriptor? weights = null, VideoClassifierOptions? options = null,
        PretrainedWeightsOptions? pretrained = null, CancellationToken cancellationToken = default)
    {
        nn.Module model;
        IReadOnlyList<string>? classes;
        if (weights is null || weights.Streams is { Count: 2 })
        {
            var twoStream = TwoStreamI3D.FromPretrained(weights, null, pretrained, cancellationToken);
            model = twoStream;
            classes = (weights ?? I3DWeights.Kinetics400Rgb).Classes;
        }
        else
        {
            model = InceptionI3D.FromPretrained(weights, pretrained, cancellationToken);
            classes = weights.Classes;
        }
        try
        {
            var names = classes ?? ClassNamesBeside(pretrained?.WeightsPath ?? ".", NumClasses(model));
            var conventions = (weights ?? I3DWeights.Kinetics400Rgb).Inputs[0];
            return new VideoClassifier(model, names, options ?? VideoClassifierOptions.For(conventions), KineticsFlow, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
