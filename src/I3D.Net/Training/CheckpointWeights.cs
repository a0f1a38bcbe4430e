using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Training;

/// <summary>
/// Reads and writes the weights file of a checkpoint. The one place that knows the weights format, so switching it
/// touches nothing else. Loading copies values into the module's existing tensors (parameters keep their identity, so
/// an optimizer created on them stays valid) and checks every key, shape and dtype.
/// </summary>
internal static class CheckpointWeights
{
    /// <summary>File name of the weights inside a checkpoint folder.</summary>
    public const string FileName = "model.bin";

    public static void Write(IReadOnlyDictionary<string, Tensor> stateDict, Stream stream)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(stateDict.Count);
        foreach (var (key, value) in stateDict.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Write(key);
            value.Save(writer); // TorchSharp's tensor format; copies to CPU when needed
        }
    }

    public static void Read(nn.Module module, Stream stream, string path)
    {
        var target = module.state_dict();
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        var count = reader.ReadInt32();
        if (count != target.Count)
            throw new InvalidDataException($"Weights file '{path}' holds {count} tensors; the model has {target.Count}.");
        using var noGrad = no_grad();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            using var loaded = TensorExtensionMethods.Load(reader);
            if (!target.TryGetValue(key, out var dest))
                throw new InvalidDataException($"Weights file '{path}' has key '{key}', which the model does not have.");
            if (!loaded.shape.SequenceEqual(dest.shape) || loaded.dtype != dest.dtype)
                throw new InvalidDataException(
                    $"Weights file '{path}', key '{key}': expected {dest.dtype} [{string.Join(", ", dest.shape)}], found {loaded.dtype} [{string.Join(", ", loaded.shape)}].");
            dest.copy_(loaded);
        }
    }
}
