using System.Diagnostics;
using I3D.Net.Tests.Training;
using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Hostile;

/// <summary>
/// Issue 14, item 7 (checkpoints): a checkpoint file that is a link to <c>/dev/zero</c> or a FIFO made
/// <see cref="CheckpointStore.Verify"/> (and so resume) hang. Each is now refused, within the time and memory budget,
/// and resume falls back to the previous valid checkpoint.
/// </summary>
[Collection(HostileInputCollection.Name)]
public class CheckpointNonRegularFileTests
{
    /// <summary>A folder with two valid checkpoints (steps 1 and 2) of a tiny model.</summary>
    private static (string Dir, CheckpointStore Store) TwoCheckpoints()
    {
        var dir = TempDir();
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 8, batchSize: 4);
        var options = new TrainingOptions
        {
            Epochs = 1, Device = "cpu",
            Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1, KeepLast = 2 },
        };
        new I3DTrainer(ClassifierAdapter.Rgb(model)).FitAsync(data, options: options).GetAwaiter().GetResult();
        var store = new CheckpointStore(dir);
        store.List().Select(Path.GetFileName).Should().Equal(CheckpointStore.NameFor(1), CheckpointStore.NameFor(2));
        return (dir, store);
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        mkfifo.ExitCode.Should().Be(0, "mkfifo creates the FIFO");
    }

    public static TheoryData<string, string> Cases => new()
    {
        { CheckpointStore.WeightsFileName, "zero" },
        { CheckpointStore.OptimizerFileName, "zero" },
        { CheckpointStore.WeightsFileName, "fifo" },
        { CheckpointStore.ManifestFileName, "fifo" },
        { CheckpointStore.ManifestFileName, "zero" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ANonRegularFileIsRefusedByVerifyAndResumeFallsBackToThePreviousCheckpoint(string file, string kind)
    {
        if (!OperatingSystem.IsLinux()) return; // /dev/zero and mkfifo
        var (dir, store) = TwoCheckpoints();
        try
        {
            var latest = store.List()[^1];
            var path = Path.Combine(latest, file);
            File.Delete(path);
            if (kind == "zero") File.CreateSymbolicLink(path, "/dev/zero");
            else MakeFifo(path);

            var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => store.Verify(latest));
            error.Message.Should().Contain(file).And.Contain(kind == "zero" ? "character device" : "FIFO");

            // Resume (FindLatestValid) skips it with a warning and uses step 1.
            (string Path, TrainerState State)? found = null;
            ResourceBudget.ShouldCompleteWithin(() => found = store.FindLatestValid());
            found!.Value.Path.Should().EndWith(CheckpointStore.NameFor(1));
            found.Value.State.Step.Should().Be(1);
        }
        finally
        {
            Directory.Delete(dir, recursive: true); // no FIFO or device link is left in the temp folder
        }
    }

    [Fact]
    public void ReadStateAndOpenReadRefuseADeviceWithoutReadingIt()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (dir, store) = TwoCheckpoints();
        try
        {
            var latest = store.List()[^1];
            var state = Path.Combine(latest, CheckpointStore.StateFileName);
            File.Delete(state);
            File.CreateSymbolicLink(state, "/dev/zero");
            ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => store.ReadState(latest))
                .Message.Should().Contain(CheckpointStore.StateFileName);
            PhysicalCheckpointFileSystem.Instance.Invoking(fs => fs.GetFileLength(state)).Should().Throw<InvalidDataException>().WithMessage("*character device*");
            PhysicalCheckpointFileSystem.Instance.GetFileLength(Path.Combine(latest, CheckpointStore.WeightsFileName))
                .Should().Be(new FileInfo(Path.Combine(latest, CheckpointStore.WeightsFileName)).Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void SizesAreComparedBeforeAnythingIsHashed()
    {
        var (_, store) = TwoCheckpoints();
        var latest = store.List()[^1];
        // Truncate the weights and count the bytes Verify reads: a size mismatch must cost no read of that file.
        var weights = Path.Combine(latest, CheckpointStore.WeightsFileName);
        using (var f = new FileStream(weights, FileMode.Open)) f.SetLength(f.Length - 1);
        var counting = new CountingFileSystem();
        var act = () => new CheckpointStore(Path.GetDirectoryName(latest)!, counting).Verify(latest);
        act.Should().Throw<InvalidDataException>().WithMessage($"*{CheckpointStore.WeightsFileName}*bytes*");
        counting.Opened.Should().Equal([CheckpointStore.ManifestFileName], "only the manifest is read before the sizes are compared");
    }

    /// <summary>The local file system, recording which files are opened for reading.</summary>
    private sealed class CountingFileSystem : ICheckpointFileSystem
    {
        private readonly PhysicalCheckpointFileSystem _inner = PhysicalCheckpointFileSystem.Instance;
        public List<string> Opened { get; } = [];
        public Stream Create(string path) => _inner.Create(path);
        public Stream OpenRead(string path)
        {
            Opened.Add(Path.GetFileName(path));
            return _inner.OpenRead(path);
        }
        public bool FileExists(string path) => _inner.FileExists(path);
        public long GetFileLength(string path) => _inner.GetFileLength(path);
        public void CreateDirectory(string path) => _inner.CreateDirectory(path);
        public void MoveDirectory(string source, string destination) => _inner.MoveDirectory(source, destination);
        public void DeleteDirectory(string path) => _inner.DeleteDirectory(path);
        public bool DirectoryExists(string path) => _inner.DirectoryExists(path);
        public IEnumerable<string> EnumerateDirectories(string path) => _inner.EnumerateDirectories(path);
    }
}
