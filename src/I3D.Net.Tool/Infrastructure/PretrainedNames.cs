using I3D.Net.Models;
using I3D.Net.Weights;

namespace I3D.Net.Tool;

/// <summary>The names <c>--pretrained</c> and <c>i3d weights</c> accept: <see cref="I3DWeights.All"/>' names, and <c>kinetics400</c> for the two-stream model.</summary>
internal static class PretrainedNames
{
    /// <summary>The short name of <see cref="I3DWeights.Kinetics400TwoStream"/>, the model of the paper.</summary>
    public const string Kinetics400 = "kinetics400";

    /// <summary>The descriptor of <paramref name="name"/>.</summary>
    /// <exception cref="UsageException">No weights have that name (the message lists them).</exception>
    public static WeightsDescriptor Get(string name)
    {
        if (string.Equals(name, Kinetics400, StringComparison.OrdinalIgnoreCase))
            return I3DWeights.Kinetics400TwoStream;
        try
        {
            return I3DWeights.Get(name);
        }
        catch (KeyNotFoundException)
        {
            throw new UsageException($"No weights named '{name}'; known: {Kinetics400}, {string.Join(", ", I3DWeights.All.Select(d => d.Name))}.");
        }
    }

    /// <summary>The descriptor of an I3D classifier (one or two streams), refusing the GoogLeNet ImageNet weights.</summary>
    public static WeightsDescriptor GetClassifier(string name)
    {
        var weights = Get(name);
        if (weights.Architecture == "GoogLeNet")
            throw new UsageException($"'{weights.Name}' are 2D ImageNet weights, not an I3D classifier; fine-tune from them with 'i3d finetune --init imagenet'.");
        return weights;
    }

    /// <summary>Where and whether <c>FromPretrained</c> looks and downloads.</summary>
    public static PretrainedWeightsOptions Options(string? cache, bool offline, IProgress<long>? progress = null) =>
        new() { CacheDirectory = cache, AllowDownload = !offline, Progress = progress };
}
