// ComputeFlow: videos -> optical-flow folders in the layout the data pipeline and mmaction2 read, mirroring the
// dataset tree: <out>/train/walk/clip0/flow_x_00001.jpg, flow_y_00001.jpg, … for train/walk/clip0.mp4 (one pair per
// consecutive frame pair, clipped to ±20 px and quantised to 8 bits) plus flow.json (method, settings and the video's
// frame rate, which the loader uses to align flow with RGB), with the library's FlowExtractor: TV-L1 on the CPU or a
// CUDA GPU, or OpenCV's Farneback. Finished videos (a .done marker) are skipped, so an interrupted run resumes.
//   dotnet run --project samples/ComputeFlow -- videos/ --out flow/ [--method farneback] [--tvl1 fast] [--device cuda]
// FineTune then finds the flow with --flow-root flow/ (VideoAnnotations.WithFlowRoot). For datasets split across
// processes or machines (--shard K/N), use the i3d tool's 'flow' command (docs/cli.md, docs/scale.md).
using System.CommandLine;
using System.Diagnostics;
using I3D.Net.Flow;
using I3D.Net.Runtime;
using I3D.Net.Samples;

var inputs = new Argument<string[]>("inputs") { Description = "dataset folders (searched recursively; the tree is mirrored under --out) or video files", Arity = ArgumentArity.OneOrMore };
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "output folder; <folder>/a/b.mp4 gets <out>/a/b/, a video file given alone <out>/<name>/", Required = true };
var method = new Option<string>("--method") { Description = "tvl1 (the reference's flow) or farneback (OpenCV, fast, CPU)", DefaultValueFactory = _ => "tvl1" }
    .AcceptOnlyFromAmong("tvl1", "farneback");
var parallel = new Option<int>("--parallel") { Description = "videos processed at once", DefaultValueFactory = _ => 1 };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Computes optical flow for videos into flow_x_/flow_y_ JPEG folders.") { inputs, output, method, parallel, device, tvl1 };
root.SetAction(async (parse, ct) =>
{
    var target = I3DRuntime.ResolveDevice(parse.GetValue(device));
    var folders = new List<string>();
    var files = new List<string>();
    foreach (var input in parse.GetRequiredValue(inputs))
    {
        if (Directory.Exists(input))
            folders.Add(input);
        else if (File.Exists(input))
            files.Add(input);
        else
        {
            Console.Error.WriteLine($"error: '{input}' is neither a file nor a folder.");
            return 2;
        }
    }
    var useTvL1 = parse.GetValue(method) == "tvl1";
    IOpticalFlow flow = useTvL1 ? new TvL1OpticalFlow(parse.GetValue(tvl1).ToOptions()) : new FarnebackOpticalFlow();
    var outDir = parse.GetRequiredValue(output).FullName;
    var extractor = new FlowExtractor(flow, new FlowExtractionOptions { MaxDegreeOfParallelism = Math.Max(1, parse.GetValue(parallel)), Device = target });
    Console.WriteLine($"{extractor.Settings} on {(useTvL1 ? target.type.ToString() : "CPU")}: {string.Join(", ", folders.Concat(files))} -> {outDir}");
    var watch = Stopwatch.StartNew();
    var pairs = 0L;
    var console = ConsoleProgress.DescribeFlow;
    var progress = new ConsoleProgress<FlowExtractionProgress>(p => p.Timing, p =>
    {
        Interlocked.Add(ref pairs, p.Status == FlowVideoStatus.Extracted ? p.FramePairs : 0);
        return console(p);
    }, TimeSpan.Zero);
    try
    {
        var (extracted, skipped, failed) = (0, 0, 0);
        foreach (var folder in folders)
            Add(await extractor.ExtractDatasetAsync(folder, outDir, progress, ct));
        if (files.Count > 0)
            Add(await extractor.ExtractAsync(files, outDir, progress, ct));
        Console.WriteLine($"done in {watch.Elapsed.TotalSeconds:F1} s: {extracted} extracted ({pairs} pairs, "
            + $"{pairs / Math.Max(1e-9, watch.Elapsed.TotalSeconds):F1} pairs/s), {skipped} skipped (already complete), {failed} failed");
        return failed == 0 ? 0 : 1;

        void Add(FlowExtractionSummary s) => (extracted, skipped, failed) = (extracted + s.Extracted.Count, skipped + s.Skipped.Count, failed + s.Failed.Count);
    }
    catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or ArgumentException)
    {
        Console.Error.WriteLine($"error: {e.Message}");
        return 2;
    }
});
return await root.Parse(args).InvokeAsync();
