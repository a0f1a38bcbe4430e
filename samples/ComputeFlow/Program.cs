// ComputeFlow: videos -> optical-flow folders in the layout the data pipeline and mmaction2 read:
// <out>/<video name>/flow_x_00001.jpg, flow_y_00001.jpg, … (one pair per consecutive frame pair, clipped to ±20 px and
// quantised to 8 bits), with the library's FlowExtractor: TV-L1 on the CPU or a CUDA GPU, or OpenCV's Farneback.
// Finished videos (a .done marker) are skipped, so an interrupted run resumes.
//   dotnet run --project samples/ComputeFlow -- videos/ --out flow/ [--method farneback] [--tvl1 fast] [--device cuda]
using System.CommandLine;
using System.Diagnostics;
using I3D.Net.Flow;
using I3D.Net.Runtime;
using I3D.Net.Samples;

var inputs = new Argument<string[]>("inputs") { Description = "video files, or folders searched recursively for video files", Arity = ArgumentArity.OneOrMore };
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "output folder; each video gets <out>/<file name without extension>/", Required = true };
var method = new Option<string>("--method") { Description = "tvl1 (the reference's flow) or farneback (OpenCV, fast, CPU)", DefaultValueFactory = _ => "tvl1" };
method.AcceptOnlyFromAmong("tvl1", "farneback");
var parallel = new Option<int>("--parallel") { Description = "videos processed at once", DefaultValueFactory = _ => 1 };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Computes optical flow for videos into flow_x_/flow_y_ JPEG folders.") { inputs, output, method, parallel, device, tvl1 };
root.SetAction(async (parse, ct) =>
{
    var target = I3DRuntime.ResolveDevice(parse.GetValue(device));
    string[] extensions = [".mp4", ".avi", ".mkv", ".webm", ".mov", ".gif"];
    var videos = new List<string>();
    foreach (var input in parse.GetRequiredValue(inputs))
    {
        if (Directory.Exists(input))
            videos.AddRange(Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Where(f => extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase)).Order());
        else if (File.Exists(input))
            videos.Add(input);
        else
        {
            Console.Error.WriteLine($"error: '{input}' is neither a file nor a folder.");
            return 2;
        }
    }
    var useTvL1 = parse.GetValue(method) == "tvl1";
    IOpticalFlow flow = useTvL1 ? new TvL1OpticalFlow(parse.GetValue(tvl1).ToOptions()) : new FarnebackOpticalFlow();
    var outDir = parse.GetRequiredValue(output).FullName;
    Console.WriteLine($"{(useTvL1 ? $"TV-L1 ({parse.GetValue(tvl1)})" : "Farneback")} on {(useTvL1 ? target.type.ToString() : "CPU")}: {videos.Count} video(s) -> {outDir}");
    var extractor = new FlowExtractor(flow, new FlowExtractionOptions { MaxDegreeOfParallelism = Math.Max(1, parse.GetValue(parallel)), Device = target });
    var watch = Stopwatch.StartNew();
    var pairs = 0L;
    var progress = new ConsoleProgress(p =>
    {
        Interlocked.Add(ref pairs, p.Status == FlowVideoStatus.Extracted ? p.FramePairs : 0);
        Console.WriteLine($"[{p.VideosCompleted}/{p.VideosTotal}] {p.VideoPath}: {p.Status}"
            + (p.Status == FlowVideoStatus.Failed ? $": {p.Error}" : $" ({p.FramePairs} pairs)"));
    });
    try
    {
        var summary = await extractor.ExtractAsync(videos, outDir, progress, ct);
        Console.WriteLine($"done in {watch.Elapsed.TotalSeconds:F1} s: {summary.Extracted.Count} extracted ({pairs} pairs, "
            + $"{pairs / Math.Max(1e-9, watch.Elapsed.TotalSeconds):F1} pairs/s), {summary.Skipped.Count} skipped (already complete), {summary.Failed.Count} failed");
        return summary.Failed.Count == 0 ? 0 : 1;
    }
    catch (Exception e) when (e is FileNotFoundException or ArgumentException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
});
return await root.Parse(args).InvokeAsync();

/// <summary>Reports on the calling thread.</summary>
sealed class ConsoleProgress(Action<FlowExtractionProgress> report) : IProgress<FlowExtractionProgress>
{
    public void Report(FlowExtractionProgress value) => report(value);
}
