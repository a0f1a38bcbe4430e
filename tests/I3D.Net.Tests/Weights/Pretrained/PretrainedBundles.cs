using I3D.Net.Models;
using System.Security.Cryptography;
using I3D.Net.Tests.Weights.TensorFlow;
using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.Pretrained;

/// <summary>
/// For a published descriptor, a checkpoint with the REAL variable names, dtypes and shapes (read from the shipped
/// index fixture) and seeded random values, written by the test's own bundle writer, plus the descriptor that trusts
/// this checkpoint's index instead of the shipped one (<c>descriptor with { Files = … }</c>, same names and URLs).
/// </summary>
internal sealed record PretrainedBundle(WeightsDescriptor Real, WeightsDescriptor Descriptor, string Folder, string IndexPath, string DataPath)
{
    /// <summary>The checkpoint's variable of that name, read back (TensorFlow layout).</summary>
    public Tensor Read(string name) => TensorFlowCheckpoint.Open(IndexPath).Read(name);

    /// <summary>The index entries of the written checkpoint.</summary>
    public IReadOnlyList<TensorFlowTensorInfo> Tensors => TensorFlowCheckpoint.Open(IndexPath).Tensors;

    public Uri IndexUrl => Descriptor.Files[0].Url;

    public Uri DataUrl => Descriptor.Files[1].Url;
}

/// <summary>Writes the bundles of the five released checkpoints once per test class, on first use.</summary>
public sealed class PretrainedBundles : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly Dictionary<string, PretrainedBundle> _bundles = new();

    internal static readonly WeightsDescriptor[] Released =
    [
        I3DWeights.Kinetics400Rgb, I3DWeights.Kinetics400Flow, I3DWeights.Kinetics400RgbScratch,
        I3DWeights.Kinetics400FlowScratch, I3DWeights.Kinetics600RgbScratch,
    ];

    internal PretrainedBundle Get(WeightsDescriptor real)
    {
        lock (_bundles)
        {
            if (!_bundles.TryGetValue(real.Name, out var bundle))
            {
                bundle = Write(real, seed: _bundles.Count + 1);
                _bundles[real.Name] = bundle;
            }

            return bundle;
        }
    }

    internal static string CheckpointFolder(WeightsDescriptor real) => Path.GetDirectoryName(real.Files[0].FileName)!;

    private PretrainedBundle Write(WeightsDescriptor real, int seed)
    {
        var checkpointFolder = CheckpointFolder(real);
        var shipped = TensorFlowCheckpoint.Open(KineticsI3DCheckpointTests.Fixture(checkpointFolder));
        var folder = Path.Combine(_folder.Path, checkpointFolder);
        Directory.CreateDirectory(folder);
        var prefix = Path.Combine(folder, "model.ckpt");
        using var generator = new Generator((ulong)seed);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var info in shipped.Tensors)
            {
                info.DType.Should().Be(ScalarType.Float32, info.Name);
                tensors[info.Name] = torch.rand(info.Shape.ToArray(), generator: generator);
            }

            TestBundleWriter.Write(prefix, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(prefix + ".index")));
        var descriptor = real with
        {
            Files = [real.Files[0] with { Sha256 = sha }, real.Files[1]],
        };
        return new PretrainedBundle(real, descriptor, folder, prefix + ".index", prefix + ".data-00000-of-00001");
    }

    public void Dispose() => _folder.Dispose();
}
