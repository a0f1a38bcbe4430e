using System.Security.Cryptography;
using System.Text.Json.Nodes;
using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

/// <summary>
/// Issue 14, item 12: the manifest must list every file a resume reads, and a file that verifies but cannot be read
/// is an <see cref="InvalidDataException"/> naming it.
/// </summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class CheckpointManifestTests
{
    private static TrainingOptions Options(string dir) => new()
    {
        Epochs = 1, Device = TestDevice.Name, Optimizer = { LearningRate = 0.05 },
        Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1, KeepLast = 2 },
    };

    private static async Task<CheckpointStore> TwoCheckpoints(string dir)
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(dir));
        return new CheckpointStore(dir);
    }

    /// <summary>Truncates optimizer.bin to half and either drops it from the manifest or records the truncated file's size and hash.</summary>
    private static void TruncateOptimizer(string checkpoint, bool dropFromManifest)
    {
        var path = Path.Combine(checkpoint, CheckpointStore.OptimizerFileName);
        var bytes = File.ReadAllBytes(path)[..(int)(new FileInfo(path).Length / 2)];
        File.WriteAllBytes(path, bytes);
        var manifestPath = Path.Combine(checkpoint, CheckpointStore.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        var files = manifest["files"]!.AsArray();
        var entry = files.Single(f => (string?)f!["name"] == CheckpointStore.OptimizerFileName)!;
        if (dropFromManifest)
        {
            files.Remove(entry);
        }
        else
        {
            entry["bytes"] = bytes.Length;
            entry["sha256"] = Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
        File.WriteAllText(manifestPath, manifest.ToJsonString());
    }

    [Fact]
    public async Task AManifestWithoutTheOptimizerStateDoesNotVerifyAndResumeUsesThePreviousCheckpoint()
    {
        var dir = TempDir();
        var store = await TwoCheckpoints(dir);
        var latest = store.List()[^1];
        TruncateOptimizer(latest, dropFromManifest: true);

        store.Invoking(s => s.Verify(latest)).Should().Throw<InvalidDataException>().WithMessage($"*does not list '{CheckpointStore.OptimizerFileName}'*");
        CheckpointStore.RequiredFiles.Should().BeEquivalentTo([CheckpointStore.WeightsFileName, CheckpointStore.OptimizerFileName, CheckpointStore.StateFileName]);

        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var options = Options(dir);
        options.Epochs = 2;
        var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: options);
        resumed.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(1));
        resumed.Steps.Should().Be(4);
    }

    [Fact]
    public async Task AnOptimizerStateThatVerifiesButIsTruncatedIsInvalidDataNamingTheFile()
    {
        var dir = TempDir();
        var store = await TwoCheckpoints(dir);
        var latest = store.List()[^1];
        TruncateOptimizer(latest, dropFromManifest: false);
        store.Verify(latest); // size and hash match the (truncated) file

        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var act = () => new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(dir));
        (await act.Should().ThrowAsync<InvalidDataException>()).WithMessage($"*{CheckpointStore.OptimizerFileName}*")
            .Which.InnerException.Should().BeOfType<EndOfStreamException>();
    }
}
