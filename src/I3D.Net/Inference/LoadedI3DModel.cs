using I3D.Net.Flow;
using I3D.Net.Models;
using static TorchSharp.torch;

namespace I3D.Net.Inference;

/// <summary>An I3D model read by <see cref="I3DModelFile.Load"/>, with what the file says about it.</summary>
/// <param name="Module">An <see cref="InceptionI3D"/> (RGB or flow) or a <see cref="TwoStreamI3D"/>, on the CPU, in eval mode.</param>
/// <param name="ClassNames">One name per logit, in logit order.</param>
/// <param name="Flow">How the model's training flow was made, when the file records it.</param>
/// <param name="Source">The full path of the file or checkpoint folder that was read.</param>
/// <param name="Format">What was read, e.g. <c>safetensors</c> or <c>trainer checkpoint (step 40)</c>.</param>
public sealed record LoadedI3DModel(nn.Module Module, IReadOnlyList<string> ClassNames, FlowSettings? Flow, string Source, string Format) : IDisposable
{
    /// <summary>The model when it has two streams, else <see langword="null"/>.</summary>
    public TwoStreamI3D? TwoStream => Module as TwoStreamI3D;

    /// <summary>The model when it has one stream, else <see langword="null"/>.</summary>
    public InceptionI3D? SingleStream => Module as InceptionI3D;

    /// <summary>The number of classes (logits).</summary>
    public int NumClasses => TwoStream?.NumClasses ?? SingleStream!.NumClasses;

    /// <summary>Whether the model reads RGB clips (a two-stream model or a 3-channel stream).</summary>
    public bool ReadsRgb => TwoStream is not null || SingleStream!.InChannels == 3;

    /// <summary>Whether the model reads flow clips (a two-stream model or a 2-channel stream).</summary>
    public bool ReadsFlow => TwoStream is not null || SingleStream!.InChannels == 2;

    /// <summary>The kind of model and where it came from, e.g. <c>two-stream I3D (400 classes) from safetensors '/m.safetensors'</c>.</summary>
    public string Description =>
        $"{(TwoStream is not null ? "two-stream" : ReadsRgb ? "RGB" : "flow")} I3D ({NumClasses} classes) from {Format} '{Source}'";

    /// <summary>Disposes the model and its parameters.</summary>
    public void Dispose()
    {
        // Module.Dispose releases the native module but leaves the parameter and buffer wrappers to the finalizer.
        foreach (var tensor in Module.state_dict().Values) tensor.Dispose();
        Module.Dispose();
    }
}
