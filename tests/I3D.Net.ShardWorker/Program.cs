// Runs one shard of a dataset job and reports, one line per finished item, what happened; a test kills it at random.
// usage: I3D.Net.ShardWorker flow <video root> <output> <K/N>
// Output: "started", then "item <status> <video>" per video, then "summary extracted=E skipped=S failed=F other=O".
// Exit codes: 0 done, 1 some items failed, 2 bad arguments.
using I3D.Net.Data;
using I3D.Net.Flow;
using I3D.Net.Runtime;

if (args is not ["flow", var videoRoot, var output, var shardText])
{
    Console.Error.WriteLine("usage: I3D.Net.ShardWorker flow <video root> <output> <K/N>");
    return 2;
}
I3DRuntime.Initialize();
var shard = DatasetShard.Parse(shardText);
// The tests' tiny Farneback (one level, one iteration) in batches of 2 pairs, so a video takes several writes.
var extractor = new FlowExtractor(
    new FarnebackOpticalFlow(new FarnebackOpticalFlowOptions { Levels = 1, Iterations = 1 }),
    new FlowExtractionOptions { Shard = shard, BatchSize = 2 });
Console.Out.Flush();
Console.WriteLine("started");
var progress = new LineProgress();
var summary = await extractor.ExtractDatasetAsync(videoRoot, output, progress);
Console.WriteLine($"summary extracted={summary.Extracted.Count} skipped={summary.Skipped.Count} failed={summary.Failed.Count} other={summary.InOtherShards}");
foreach (var (video, error) in summary.Failed)
    Console.Error.WriteLine($"failed {video}: {error}");
return summary.Failed.Count == 0 ? 0 : 1;

/// <summary>Writes each report at once (Progress&lt;T&gt; would post to the thread pool, after the kill).</summary>
internal sealed class LineProgress : IProgress<FlowExtractionProgress>
{
    public void Report(FlowExtractionProgress value)
    {
        lock (this)
        {
            Console.WriteLine($"item {value.Status} {value.VideoPath}");
            Console.Out.Flush();
        }
    }
}
