using BenchmarkDotNet.Attributes;
using I3D.Net.Data.Annotations;
using I3D.Net.Data.Loading;
using I3D.Net.Data.Synthetic;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Data;

/// <summary>
/// Data-pipeline throughput: 64-frame clips from 320×240 mp4v videos, resized to a 256 short side, randomly
/// cropped to 224 and flipped, as I3D training does. Each operation is one frame, so BenchmarkDotNet's "Mean" is the
/// time per delivered frame: frames/s = 1e9 / Mean[ns]. libtorch runs single-threaded so Workers = 1 measures one core.
/// Run: <c>dotnet run -c Release --project benchmarks/I3D.Net.Benchmarks -- --filter *DataPipeline*</c>
/// </summary>
[MemoryDiagnoser(displayGenColumns: false)]
public class DataPipelineBenchmarks
{
    private const int Videos = 8;
    private const int ClipFrames = 64;
    private string _root = "";
    private VideoAnnotations _dataset = null!;
    private VideoClipLoader _loader = null!;
    private int _epoch;

    /// <summary>Decoding threads.</summary>
    [Params(1, 2)]
    public int Workers { get; set; }

    /// <summary>Writes the videos once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        set_num_threads(1);
        _root = Path.Combine(Path.GetTempPath(), "i3d-data-bench");
        var set = SyntheticActionDataset.Generate(_root, new SyntheticDatasetOptions
        {
            Actions = [SyntheticAction.MoveLeft, SyntheticAction.Grow],
            VideosPerClass = Videos / 2,
            FrameCount = 80,
            Width = 320,
            Height = 240,
            ValidationFraction = 0,
            TestFraction = 0,
        });
        _dataset = set.Train;
        _loader = new VideoClipLoader(_dataset, new ClipLoaderOptions
        {
            BatchSize = 4,
            ClipLength = ClipFrames,
            Workers = Workers,
            PrefetchBatches = 2,
            Transform = ClipTransformOptions.Training,
        });
    }

    /// <summary>Removes the videos.</summary>
    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>Decode, resize, crop, flip and normalise: the full loader, per delivered frame.</summary>
    [Benchmark(OperationsPerInvoke = Videos * ClipFrames)]
    public async Task DecodeAndAugment()
    {
        await foreach (var batch in _loader.ReadEpochAsync(_epoch++))
            batch.Dispose();
    }

    /// <summary>Decoding alone (one reader per video, a 64-frame window from frame 8), per frame.</summary>
    [Benchmark(OperationsPerInvoke = Videos * ClipFrames)]
    public void DecodeOnly()
    {
        var window = Enumerable.Range(8, ClipFrames).ToArray();
        Parallel.ForEach(_dataset.Items, new ParallelOptions { MaxDegreeOfParallelism = Workers }, item =>
        {
            using var reader = VideoReader.Open(item.Path);
            using var frames = reader.ReadFrames(window);
        });
    }
}
