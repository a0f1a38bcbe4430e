using I3D.Net.Training;
using Microsoft.Extensions.Logging;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class CheckpointTests
{
    private static TrainingOptions Options(string dir, int epochs = 2) => new()
    {
        Epochs = epochs,
        Device = TestDevice.Name,
        Optimizer = { LearningRate = 0.05 },
        Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1, KeepLast = 2 },
    };

    [Fact]
    public async Task CheckpointFolderHasManifestWithHashesOfEveryFile()
    {
        var dir = TempDir();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(dir, epochs: 1));

        var store = new CheckpointStore(dir);
        store.List().Select(Path.GetFileName).Should().Equal(CheckpointStore.NameFor(1), CheckpointStore.NameFor(2));
        result.LastCheckpoint.Should().Be(store.List()[^1]);
        Directory.GetFiles(result.LastCheckpoint!).Select(Path.GetFileName).Should().BeEquivalentTo(
            [CheckpointStore.WeightsFileName, CheckpointStore.OptimizerFileName, CheckpointStore.StateFileName, CheckpointStore.ManifestFileName]);
        Directory.GetDirectories(dir).Should().HaveCount(2, "no temporary folders are left");
        var manifest = File.ReadAllText(Path.Combine(result.LastCheckpoint!, CheckpointStore.ManifestFileName));
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(result.LastCheckpoint!, CheckpointStore.WeightsFileName))));
        manifest.Should().Contain(sha);
        var state = store.ReadState(result.LastCheckpoint!);
        state.Step.Should().Be(2);
        state.Epoch.Should().Be(1);
        state.ClassNames.Should().Equal(data.ClassNames);
        state.History.Should().HaveCount(1);

        // Weights load into a fresh model exactly.
        using var fresh = new TinyClassifier(seed: 123);
        store.LoadWeights(result.LastCheckpoint!, fresh);
        ShouldBeBitIdentical(Snapshot(fresh), Snapshot(model));
    }

    [Theory]
    [InlineData(CheckpointStore.OptimizerFileName)]
    [InlineData(CheckpointStore.ManifestFileName)]
    public async Task AFailedWriteLeavesThePreviousCheckpointIntact(string failingFile)
    {
        var dir = TempDir();
        var fs = new FaultyFileSystem();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), fileSystem: fs);
        fs.FailOn = (failingFile, 3); // the third checkpoint's write of this file throws half way
        var act = () => trainer.FitAsync(data, options: Options(dir));
        await act.Should().ThrowAsync<IOException>().WithMessage("*injected*");

        var store = new CheckpointStore(dir);
        store.List().Select(Path.GetFileName).Should().Equal(CheckpointStore.NameFor(1), CheckpointStore.NameFor(2));
        foreach (var c in store.List()) store.Verify(c);
        Directory.GetDirectories(dir).Should().HaveCount(2, "the partial folder is removed");

        // The run resumes from step 2.
        fs.FailOn = null;
        using var model2 = new TinyClassifier();
        var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(model2), fileSystem: fs).FitAsync(data, options: Options(dir));
        resumed.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(2));
        resumed.Steps.Should().Be(8);
    }

    [Fact]
    public async Task ACorruptLatestCheckpointFallsBackToThePreviousWithAWarning()
    {
        var dir = TempDir();
        using (var model = new TinyClassifier())
        using (var data = new SyntheticClipSource(samples: 8, batchSize: 4))
            await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(dir, epochs: 1));
        var store = new CheckpointStore(dir);
        var latest = store.List()[^1];
        var weights = Path.Combine(latest, CheckpointStore.WeightsFileName);
        var bytes = File.ReadAllBytes(weights);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(weights, bytes);

        var act = () => store.Verify(latest);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{CheckpointStore.WeightsFileName}*SHA-256*");

        var logger = new ListLogger<I3DTrainer>();
        using var model2 = new TinyClassifier();
        using var data2 = new SyntheticClipSource(samples: 8, batchSize: 4);
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model2), logger: logger).FitAsync(data2, options: Options(dir, epochs: 1));
        result.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(1));
        logger.Entries.Should().Contain(e => e.Level == LogLevel.Warning && e.Message.Contains(Path.GetFileName(latest)) && e.Message.Contains("corrupt"));
    }

    [Fact]
    public async Task KeepsLastNAndTheBestByMetric()
    {
        var dir = TempDir();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        using var val = new SyntheticClipSource(samples: 8, batchSize: 8, seed: 1, shuffle: false);
        var best = new BestTracker();
        var options = new TrainingOptions
        {
            Epochs = 4,
            Device = TestDevice.Name,
            Optimizer = { LearningRate = 0.05 },
            Checkpoint = new CheckpointOptions { Directory = dir, KeepLast = 1, KeepBestBy = "val_loss" },
        };
        var result = await new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [best]).FitAsync(data, val, options);
        var names = new CheckpointStore(dir).List().Select(Path.GetFileName).ToList();
        var bestName = CheckpointStore.NameFor(best.BestStep);
        names.Should().Contain(CheckpointStore.NameFor(8)).And.Contain(bestName);
        names.Should().HaveCount(bestName == CheckpointStore.NameFor(8) ? 1 : 2);
        result.BestCheckpoint.Should().EndWith(bestName);
    }

    [Fact]
    public void MissingOrBrokenManifestIsInvalidData()
    {
        var dir = TempDir();
        var folder = Path.Combine(dir, CheckpointStore.NameFor(5));
        Directory.CreateDirectory(folder);
        var store = new CheckpointStore(dir);
        store.Invoking(s => s.Verify(folder)).Should().Throw<InvalidDataException>().WithMessage("*manifest.json*");
        File.WriteAllText(Path.Combine(folder, CheckpointStore.ManifestFileName), "{ not json");
        store.Invoking(s => s.Verify(folder)).Should().Throw<InvalidDataException>().WithMessage("*not valid JSON*");
    }

    private sealed class BestTracker : ITrainingCallback
    {
        private double _best = double.PositiveInfinity;
        public long BestStep { get; private set; }
        public void OnEpochEnd(EpochEndContext context)
        {
            var v = context.Record.Metrics["val_loss"];
            if (v < _best) { _best = v; BestStep = context.Record.Step; }
        }
    }

    /// <summary>Throws half way through writing a chosen file of the n-th checkpoint.</summary>
    private sealed class FaultyFileSystem : ICheckpointFileSystem
    {
        private readonly Dictionary<string, int> _writes = [];
        public (string File, int Occurrence)? FailOn { get; set; }

        public Stream Create(string path)
        {
            var name = Path.GetFileName(path);
            _writes[name] = _writes.GetValueOrDefault(name) + 1;
            var inner = PhysicalCheckpointFileSystem.Instance.Create(path);
            return FailOn is { } f && f.File == name && f.Occurrence == _writes[name] ? new FailingStream(inner) : inner;
        }
        public Stream OpenRead(string path) => PhysicalCheckpointFileSystem.Instance.OpenRead(path);
        public bool FileExists(string path) => File.Exists(path);
        public void CreateDirectory(string path) => Directory.CreateDirectory(path);
        public void MoveDirectory(string source, string destination) => Directory.Move(source, destination);
        public void DeleteDirectory(string path) => Directory.Delete(path, true);
        public bool DirectoryExists(string path) => Directory.Exists(path);
        public IEnumerable<string> EnumerateDirectories(string path) => Directory.EnumerateDirectories(path);
    }

    private sealed class FailingStream(Stream inner) : Stream
    {
        private long _written;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count)
        {
            // Let 16 bytes reach the file, then fail: a torn write.
            var allowed = (int)Math.Min(count, Math.Max(0, 16 - _written));
            inner.Write(buffer, offset, allowed);
            _written += allowed;
            if (allowed < count) throw new IOException("injected write failure");
        }
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
