using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Training;

/// <summary>
/// Reads and writes the weights file of a checkpoint (safetensors, readable from Python). The one place that knows the
/// weights format. Loading copies values into the module's existing tensors (parameters keep their identity, so an
/// optimizer created on them stays valid) and requires every key, shape and dtype to match exactly, as a resume must.
/// </summary>
internal static class CheckpointWeights
{
    /// <summary>File name of the weights inside a checkpoint folder.</summary>
    public const string FileName = "model.safetensors";

    public static void Write(IReadOnlyDictionary<string, Tensor> stateDict, string path, ICheckpointFileSystem fs)
    {
        if (fs is PhysicalCheckpointFileSystem)
        {
            SafeTensorsFile.Save(path, stateDict);
            return;
        }
        // Another file system: write locally, then copy through it.
        var temp = Path.Combine(Path.GetTempPath(), $"i3d-checkpoint-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafeTensorsFile.Save(temp, stateDict);
            using var source = File.OpenRead(temp);
            using var destination = fs.Create(path);
            source.CopyTo(destination);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public static void Read(nn.Module module, string path, ICheckpointFileSystem fs)
    {
        Dictionary<string, Tensor> loaded;
        if (fs is PhysicalCheckpointFileSystem)
        {
            loaded = SafeTensorsFile.Load(path);
        }
        else
        {
            var temp = Path.Combine(Path.GetTempPath(), $"i3d-checkpoint-{Guid.NewGuid():N}.safetensors");
            try
            {
                using (var source = fs.OpenRead(path))
                using (var destination = File.Create(temp))
                    source.CopyTo(destination);
                loaded = SafeTensorsFile.Load(temp);
            }
            finally
            {
                File.Delete(temp);
            }
        }
        try
        {
            var target = module.state_dict();
            var missing = target.Keys.Where(k => !loaded.ContainsKey(k)).ToList();
            if (missing.Count > 0)
                throw new InvalidDataException($"Weights file '{path}' lacks {missing.Count} key(s) of the model, e.g. '{missing[0]}'.");
            using var noGrad = no_grad();
            foreach (var (key, value) in loaded)
            {
                if (!target.TryGetValue(key, out var dest))
                    throw new InvalidDataException($"Weights file '{path}' has key '{key}', which the model does not have.");
                if (!value.shape.SequenceEqual(dest.shape) || value.dtype != dest.dtype)
                    throw new InvalidDataException(
                        $"Weights file '{path}', key '{key}': expected {dest.dtype} [{string.Join(", ", dest.shape)}], found {value.dtype} [{string.Join(", ", value.shape)}].");
            }
            foreach (var (key, value) in loaded) target[key].copy_(value);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
    }
}
