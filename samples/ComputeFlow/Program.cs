// ComputeFlow: videos -> optical-flow folders in the layout the data pipeline and mmaction2 read: <out>/<video>/x_00001.jpg,
// y_00001.jpg, … (one pair per consecutive frame pair, clipped to ±20 px and quantised to 8 bits). TV-L1 of the library,
// on the CPU or a CUDA GPU; finished videos are skipped, so an interrupted run resumes.
//   dotnet run --project samples/ComputeFlow -- videos/ --out flow/ [--tvl1 fast] [--device cuda]
using System.CommandLine;
using System.Diagnostics;
using I3D.Net.Flow;
using I3D.Net.Runtime;
using I3D.Net.Samples;
using TorchSharp;

var inputs = new Argument<string[]>("inputs") { Description = "video files, or folders searched recursively for video files", Arity = ArgumentArity.OneOrMore };
var output = new Option<DirectoryInfo>("--out", "-o") { Description = "output folder; each video gets <out>/<relative path without extension>/", Required = true };
var force = new Option<bool>("--force") { Description = "recompute videos whose flow folder exists" };
var device = SampleOptions.Device();
var tvl1 = SampleOptions.FlowQuality();

var root = new RootCommand("Computes TV-L1 optical flow for videos into x_/y_ JPEG flow folders.") { inputs, output, force, device, tvl1 };
root.SetAction(async (parse, ct) =>
{
    var target = I3DRuntime.ResolveDevice(parse.GetValue(device));
    string[] extensions = [".mp4", ".avi", ".mkv", ".webm", ".mov", ".gif"];
    var jobs = new List<(string Video, string Folder)>();
    var outDir = parse.GetRequiredValue(output).FullName;
    foreach (var input in parse.GetRequiredValue(inputs))
    {
        if (Directory.Exists(input))
        {
            foreach (var file in Directory.EnumerateFiles(input, "*", SearchOption.AllDirectories).Order())
            {
                if (extensions.Contains(Path.GetExtension(file), StringComparer.OrdinalIgnoreCase))
                    jobs.Add((file, Path.Combine(outDir, Path.ChangeExtension(Path.GetRelativePath(input, file), null))));
            }
        }
        else if (File.Exists(input))
        {
            jobs.Add((input, Path.Combine(outDir, Path.GetFileNameWithoutExtension(input))));
        }
        else
        {
            Console.Error.WriteLine($"error: '{input}' is neither a file nor a folder.");
            return 2;
        }
    }
    var quality = parse.GetValue(tvl1);
    var method = new TvL1OpticalFlow(quality.ToOptions());
    Console.WriteLine($"TV-L1 ({quality}) on {target.type}: {jobs.Count} video(s) -> {outDir}");
    var (done, skipped, failed, pairs) = (0, 0, 0, 0);
    var watch = Stopwatch.StartNew();
    foreach (var (video, folder) in jobs)
    {
        ct.ThrowIfCancellationRequested();
        if (Directory.Exists(folder) && !parse.GetValue(force))
        {
            skipped++;
            continue;
        }
        try
        {
            var clock = Stopwatch.StartNew();
            var n = FlowFolders.WriteFlowFolder(video, folder, method, target);
            pairs += n;
            done++;
            Console.WriteLine($"[{done + skipped + failed}/{jobs.Count}] {video}: {n} pairs in {clock.Elapsed.TotalSeconds:F1} s");
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // One unreadable video does not stop the rest; it is reported and left without a folder (so a rerun retries it).
            failed++;
            Console.Error.WriteLine($"[{done + skipped + failed}/{jobs.Count}] {video}: failed: {e.Message}");
        }
    }
    Console.WriteLine($"done: {done} computed ({pairs} pairs, {pairs / Math.Max(1e-9, watch.Elapsed.TotalSeconds):F1} pairs/s), {skipped} skipped (already there), {failed} failed");
    await Task.CompletedTask;
    return failed == 0 ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
