using I3D.Net.Models;
using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.Pretrained;

/// <summary>
/// Opt-in checks against the published files: set <c>I3D_NET_KINETICS_DIR</c> to a folder laid out like
/// kinetics-i3d's <c>data/checkpoints</c> (<c>rgb_imagenet/model.ckpt.data-00000-of-00001</c> …). Each descriptor
/// whose data shard is there is verified against the index shipped with I3D.Net, converted, and compared value for
/// value with <see cref="KineticsI3DCheckpoint"/>'s reading of the same files; the others are skipped.
/// </summary>
public sealed class PretrainedRealFilesTests : IDisposable
{
    private const string Variable = "I3D_NET_KINETICS_DIR";
    private readonly TempFolder _cache = new();

    public void Dispose() => _cache.Dispose();

    public static TheoryData<string> Released => new(PretrainedBundles.Released.Select(d => d.Name));

    [Theory]
    [MemberData(nameof(Released))]
    public async Task ThePublishedCheckpointIsVerifiedAgainstTheShippedIndexAndConvertedExactly(string name)
    {
        var folder = Environment.GetEnvironmentVariable(Variable);
        Assert.SkipWhen(string.IsNullOrEmpty(folder), $"Set {Variable} to kinetics-i3d's data/checkpoints folder to run this test.");
        var weights = I3DWeights.Get(name);
        var data = Path.Combine(folder, weights.Files[1].FileName);
        Assert.SkipUnless(File.Exists(data), $"'{data}' is not there.");
        var options = new PretrainedWeightsOptions { WeightsPath = folder, CacheDirectory = _cache.Path, AllowDownload = false };

        using var model = await InceptionI3D.FromPretrainedAsync(weights, options);
        using var again = await InceptionI3D.FromPretrainedAsync(weights, options with { WeightsPath = null });

        model.NumClasses.Should().Be(weights.NumClasses);
        using var reference = new InceptionI3D(weights.NumClasses, weights.Inputs[0].Channels);
        // The same shard read against the shipped index, without the converter under test.
        var checkpoint = TensorFlowCheckpoint.OpenTrusted(ShippedIndex(weights), "shipped", [data]);
        using (var scope = NewDisposeScope())
        {
            StateDictLoader.Load(reference, KineticsI3DCheckpoint.LoadStateDict(checkpoint));
        }

        var expected = reference.state_dict();
        foreach (var loaded in new[] { model, again })
        {
            foreach (var (key, value) in loaded.state_dict())
            {
                value.eq(expected[key]).all().item<bool>().Should().BeTrue(key);
            }
        }
    }

    private static byte[] ShippedIndex(WeightsDescriptor weights)
    {
        PretrainedIndexes.TryGet(weights.Files[0].Sha256!, out var index).Should().BeTrue();
        return index;
    }
}
