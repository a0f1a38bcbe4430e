using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

/// <summary>
/// Issue 14, item 14: no crash window of a checkpoint write may lose the last good checkpoint. The run writes step 2,
/// step 4 (pruning step 2: KeepLast = 1, no best tracking) and step 4 again at the epoch end (the swap through
/// <c>.old-…</c>). Every file-system operation of that run is made, in turn, the point where the process dies (it and
/// every later write fail, so no clean-up runs); a new trainer must then find the last checkpoint that was complete,
/// resume from it and end exactly like an uninterrupted run.
/// </summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class CheckpointCrashSafetyTests(ITestOutputHelper output)
{
    private static TrainingOptions Options(string dir) => new()
    {
        Epochs = 1, Device = TestDevice.Name, Optimizer = { LearningRate = 0.05 },
        Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 2, EveryEpoch = true, KeepLast = 1 },
    };

    [Fact]
    public async Task ACrashAtAnyFileOperationKeepsTheLastCompleteCheckpoint()
    {
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);

        // The uninterrupted run, recording its file operations.
        var recorder = new CrashingFileSystem(crashAt: null);
        Dictionary<string, TorchSharp.torch.Tensor> expected;
        using (var model = new TinyClassifier())
        {
            var result = await new I3DTrainer(ClassifierAdapter.Rgb(model), fileSystem: recorder).FitAsync(data, options: Options(TempDir()));
            result.Steps.Should().Be(4);
            expected = Snapshot(model);
        }
        var operations = recorder.Operations;
        output.WriteLine($"{operations.Count} file operations, each made the crash point in turn");
        operations.Should().Contain(o => o.StartsWith("move ", StringComparison.Ordinal) && o.Contains("/.old-checkpoint-000000004-"),
            "the epoch end rewrites step 4 through the swap");

        for (var crashAt = 0; crashAt < operations.Count; crashAt++)
        {
            var dir = TempDir();
            var crashing = new CrashingFileSystem(crashAt);
            using (var model = new TinyClassifier())
            {
                try
                {
                    await new I3DTrainer(ClassifierAdapter.Rgb(model), fileSystem: crashing).FitAsync(data, options: Options(dir));
                }
                catch (IOException ex) when (ex.Message.Contains("injected crash"))
                {
                }
            }
            crashing.Operations.Select(WithoutGuids).Should().Equal(operations.Take(crashAt + 1).Select(WithoutGuids),
                "the run does the same operations up to the crash");

            // The newest step whose folder was renamed into place before the crash.
            var complete = operations.Take(crashAt)
                .Select(o => System.Text.RegularExpressions.Regex.Match(o, @"^move .*/\.tmp-checkpoint-(\d+)-\w+ -> .*/checkpoint-\d+$"))
                .Where(m => m.Success).Select(m => long.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max();
            var because = $"the process died at operation {crashAt} ({operations[crashAt]})";

            // Pruning first must not delete the only good copy; then it is found.
            var store = new CheckpointStore(dir);
            store.Prune(1, null);
            var found = store.FindLatestValid();
            if (complete == 0) found.Should().BeNull(because);
            else found?.State.Step.Should().Be(complete, because);
            if (complete > 0) found.Should().NotBeNull(because);

            using var resumedModel = new TinyClassifier();
            var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(resumedModel)).FitAsync(data, options: Options(dir));
            if (complete == 0) resumed.ResumedFrom.Should().BeNull(because);
            else resumed.ResumedFrom.Should().EndWith(CheckpointStore.NameFor(complete), because);
            resumed.Steps.Should().Be(4, because);
            ShouldBeBitIdentical(Snapshot(resumedModel), expected);
            store.List().Select(Path.GetFileName).Should().Equal([CheckpointStore.NameFor(4)], because);
            store.Verify(store.List()[0]);
            Directory.GetDirectories(dir).Should().HaveCount(1, because + ": no .old- or .tmp- folder is left");
        }
    }

    [Fact]
    public async Task AnOrphanedOldFolderIsRenamedBackOnResume()
    {
        var dir = TempDir();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        using (var model = new TinyClassifier())
            await new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: Options(dir));
        var store = new CheckpointStore(dir);
        var only = store.List().Single();
        // What a crash between the swap's two renames leaves: the old copy aside, the new one still temporary.
        Directory.Move(only, Path.Combine(dir, $".old-{Path.GetFileName(only)}-{Guid.NewGuid():N}"));
        store.List().Should().BeEmpty();

        var logger = new ListLogger<I3DTrainer>();
        using var resumedModel = new TinyClassifier();
        var options = Options(dir);
        options.Epochs = 2;
        var resumed = await new I3DTrainer(ClassifierAdapter.Rgb(resumedModel), logger: logger).FitAsync(data, options: options);
        resumed.ResumedFrom.Should().Be(only);
        resumed.Steps.Should().Be(4);
        logger.Entries.Should().Contain(e => e.Message.Contains("interrupted") && e.Message.Contains(Path.GetFileName(only)));
    }

    /// <summary>Folder names carry GUIDs (the test's root, temporary and .old- folders).</summary>
    private static string WithoutGuids(string operation) => System.Text.RegularExpressions.Regex.Replace(operation, "[0-9a-f]{32}", "<guid>");

    /// <summary>
    /// The local file system that records every write-side operation and, at operation <c>crashAt</c>, dies: that and
    /// every later write throws, as if the process had been killed (no clean-up reaches the disk).
    /// </summary>
    private sealed class CrashingFileSystem(int? crashAt) : ICheckpointFileSystem
    {
        private readonly PhysicalCheckpointFileSystem _inner = PhysicalCheckpointFileSystem.Instance;
        private bool _dead;
        public List<string> Operations { get; } = [];

        private void Write(string operation)
        {
            if (_dead) throw new IOException("injected crash (the process is gone)");
            Operations.Add(operation);
            if (Operations.Count - 1 == crashAt)
            {
                _dead = true;
                throw new IOException($"injected crash at '{operation}'");
            }
        }

        public Stream Create(string path)
        {
            Write("create " + path);
            return _inner.Create(path);
        }
        public void CreateDirectory(string path)
        {
            Write("mkdir " + path);
            _inner.CreateDirectory(path);
        }
        public void MoveDirectory(string source, string destination)
        {
            Write($"move {source} -> {destination}");
            _inner.MoveDirectory(source, destination);
        }
        public void DeleteDirectory(string path)
        {
            Write("delete " + path);
            _inner.DeleteDirectory(path);
        }
        public Stream OpenRead(string path) => _inner.OpenRead(path);
        public bool FileExists(string path) => _inner.FileExists(path);
        public long GetFileLength(string path) => _inner.GetFileLength(path);
        public bool DirectoryExists(string path) => _inner.DirectoryExists(path);
        public IEnumerable<string> EnumerateDirectories(string path) => _inner.EnumerateDirectories(path);
    }
}
