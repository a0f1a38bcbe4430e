using I3D.Net.Flow;
using I3D.Net.Weights;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

public sealed partial class VideoClassifier
{
    /// <summary>
    /// Loads a classifier saved by this library or published elsewhere: a trainer checkpoint folder
    /// (<c>checkpoint-…</c>, or the checkpoints folder itself: its newest valid checkpoint), or a weights file
    /// (safetensors, PyTorch <c>.pt/.pth</c>, DeepMind TensorFlow checkpoints). The architecture (RGB, flow or
    /// two-stream; number of classes) is read from the weights (<see cref="I3DModelFile.Load"/>).
    /// </summary>
    /// <param name="path">The checkpoint folder or weights file.</param>
    /// <param name="options">How videos are prepared; <see cref="VideoClassifierOptions.Default"/> when null.</param>
    /// <param name="classNames">
    /// The class names, when the weights carry none. Otherwise they come from the checkpoint (trainer checkpoints and
    /// files written by <see cref="Checkpoints.Save(nn.Module, string, IReadOnlyList{string}, FlowSettings?, IReadOnlyDictionary{string, string}?)"/>),
    /// a <c>class_map.json</c> or <c>classes.txt</c> beside the weights, or Kinetics-400/600 for 400/600 classes.
    /// </param>
    /// <returns>A classifier that owns its model (dispose it).</returns>
    /// <exception cref="FileNotFoundException">Nothing is at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">The weights are not an I3D classifier, fail verification, or carry no class names and none were given.</exception>
    public static VideoClassifier Load(string path, VideoClassifierOptions? options = null, IReadOnlyList<string>? classNames = null)
    {
        var loaded = I3DModelFile.Load(path, classNames);
        try
        {
            return new VideoClassifier(loaded.Module, loaded.ClassNames, options, loaded.Flow, ownsModel: true);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    private static int NumClasses(nn.Module module) => I3DModelFile.NumClasses(module);

    private static IReadOnlyList<string> ClassNamesBeside(string weights, int numClasses) => I3DModelFile.ClassNamesBeside(weights, numClasses);
}
