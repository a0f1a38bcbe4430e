using BenchmarkDotNet.Attributes;
using I3D.Net.Models;
using I3D.Net.Weights;

namespace I3D.Net.Benchmarks;

/// <summary>
/// The second <c>FromPretrained</c>: the converted safetensors is in the cache, so the call builds the model and
/// loads ~50 MB per stream, with no download and no TensorFlow reading. The cache holds files with the real
/// descriptors' names and index digests and random values (the published data cannot be fetched here); the timing
/// does not depend on the values.
/// </summary>
[MemoryDiagnoser]
[MinColumn] // on a shared machine the fastest run is the least disturbed by other processes
[SimpleJob(warmupCount: 2, iterationCount: 10)]
public class PretrainedLoadBenchmarks
{
    private string cache = null!;
    private PretrainedWeightsOptions options = null!;

    /// <summary>Writes the converted RGB and flow files into a temporary cache folder.</summary>
    [GlobalSetup]
    public void Setup()
    {
        cache = Path.Combine(Path.GetTempPath(), "i3dnet-bench-pretrained-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(cache);
        foreach (var weights in new[] { I3DWeights.Kinetics400Rgb, I3DWeights.Kinetics400Flow })
        {
            using var model = new InceptionI3D(weights.NumClasses, weights.Inputs[0].Channels);
            Checkpoints.Save(model, Path.Combine(cache, PretrainedWeights.CachedFileName(weights)), new Dictionary<string, string>
            {
                [PretrainedWeights.WeightsMetadataKey] = weights.Name,
                [PretrainedWeights.SourceIndexMetadataKey] = weights.Files[0].Sha256!,
            });
        }

        options = new PretrainedWeightsOptions { CacheDirectory = cache, AllowDownload = false };
    }

    /// <summary><c>InceptionI3D.FromPretrained(I3DWeights.Kinetics400Rgb)</c> from the cache.</summary>
    [Benchmark(Baseline = true)]
    public int RgbStream()
    {
        using var model = InceptionI3D.FromPretrained(I3DWeights.Kinetics400Rgb, options);
        return model.NumClasses;
    }

    /// <summary><c>TwoStreamI3D.FromPretrained()</c> (Kinetics-400 RGB + flow) from the cache.</summary>
    [Benchmark]
    public int TwoStream()
    {
        using var model = TwoStreamI3D.FromPretrained(options: options);
        return model.Rgb.NumClasses;
    }

    /// <summary>Deletes the cache folder.</summary>
    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(cache, recursive: true);
}
