using I3D.Net.Flow;
using I3D.Net.Inference;

namespace I3D.Net.Onnx;

/// <summary>
/// A <see cref="VideoClassifier"/> whose network runs in ONNX Runtime (<see cref="OnnxI3D"/>). Decoding, resizing,
/// cropping and optical flow still run on TorchSharp and OpenCV: ONNX Runtime replaces the network only.
/// </summary>
public static class OnnxVideoClassifier
{
    /// <summary>
    /// Loads an exported classifier (<see cref="OnnxExport"/> with the logits endpoint). The class names come from the
    /// file's metadata (<see cref="OnnxMetadataKeys.ClassNames"/>); without <paramref name="options"/>, the options
    /// are made to produce the graph's clip size: <see cref="TemporalSampling.Clips"/> of its frames, a centre crop of
    /// its height, after resizing the short side to 256/224 of it (256 for 224, the Kinetics convention).
    /// </summary>
    /// <param name="onnxPath">The .onnx file.</param>
    /// <param name="options">How videos are prepared; they must produce the graph's clip size (<see cref="ForModel"/> gives options that do).</param>
    /// <param name="session">ONNX Runtime's settings; <see cref="OnnxI3DOptions.Default"/> when null.</param>
    /// <param name="classNames">The class names, when the file carries none.</param>
    /// <param name="flow">For a graph with a flow input: how its training flow was made (<see cref="VideoClassifier.DefaultFlow"/> when null).</param>
    /// <returns>A classifier that owns the ONNX Runtime session (dispose it).</returns>
    /// <exception cref="FileNotFoundException">No file at <paramref name="onnxPath"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not a loadable model, outputs features rather than logits, or names no classes and none were given.</exception>
    /// <exception cref="ArgumentException">The options do not produce the graph's clip size (the message names the option to set).</exception>
    public static VideoClassifier Load(string onnxPath, VideoClassifierOptions? options = null, OnnxI3DOptions? session = null,
        IReadOnlyList<string>? classNames = null, FlowSettings? flow = null)
    {
        var model = new OnnxI3D(onnxPath, session);
        try
        {
            if (model.OutputName != OnnxEndpoint.Logits.OutputName || model.NumClasses < 1)
                throw new InvalidDataException($"{onnxPath}: the graph outputs '{model.OutputName}', not logits [B, classes]; export it with Endpoint = OnnxEndpoint.Logits.");
            var names = classNames ?? (model.ClassNames.Count > 0 ? model.ClassNames
                : throw new InvalidDataException($"{onnxPath}: the file has no {OnnxMetadataKeys.ClassNames} metadata; pass classNames ({model.NumClasses} names)."));
            return new VideoClassifier(model, names, options ?? ForModel(model), flow, ownsModel: true);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Options that produce the clip size <paramref name="model"/> was exported for: <see cref="VideoClassifierOptions.Default"/>
    /// with <see cref="TemporalSampling.Clips"/> of its frames and a centre crop of its height, the short side resized to
    /// 256/224 of the crop.
    /// </summary>
    /// <param name="model">The exported model.</param>
    /// <exception cref="ArgumentException">The graph's frames are not square, or it has no fixed clip size.</exception>
    public static VideoClassifierOptions ForModel(OnnxI3D model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.RequiredClipShape is not { } shape)
            throw new ArgumentException("The graph has no fixed clip size; give VideoClassifierOptions yourself.", nameof(model));
        if (shape.Height != shape.Width)
            throw new ArgumentException($"The graph reads {shape.Height}×{shape.Width} frames; VideoClassifier crops squares, so export with Height = Width.", nameof(model));
        return VideoClassifierOptions.Default with
        {
            Sampling = TemporalSampling.Clips,
            ClipLength = shape.Frames,
            CropSize = shape.Height,
            ShortSide = (int)Math.Round(shape.Height * 256.0 / 224),
        };
    }
}
