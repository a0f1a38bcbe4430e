#if I3D_ONNX
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using I3D.Net.Onnx;
using I3D.Net.Weights.SafeTensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// <c>onnx [--frames 16] [--size 224] [--threads 2] [--reps 10] [--opset 17] [--python /usr/bin/python3|none]
/// [--spin on|off] [--arena on|off] [--ftz on|off] [--variants on|off] [--profile N]</c>: one RGB clip through TorchSharp's <see cref="InceptionI3D"/>,
/// <see cref="FrozenInceptionI3D"/>, ONNX Runtime on I3D.Net.Onnx's export (BatchNorm folded) and ONNX Runtime on
/// PyTorch's export of tools/reference_i3d.py (tools/export_reference_onnx.py, run with Debian's python3-torch), all
/// with the same weights (calibrated BatchNorm, as the quick benchmark's <see cref="Workloads.BaseModel"/>), on the CPU
/// with the same thread count, timed in interleaved rounds; prints medians and both ratios. <c>--profile N</c> then
/// times N more passes layer by layer (<see cref="OnnxLayerProfile"/>); <c>--variants on</c> adds, in the same rounds, ONNX
/// Runtime on variants of I3D.Net.Onnx's export and session: BatchNorm unfolded (ONNX Runtime folds it, but each block's
/// three 1×1×1 reductions stay three Conv nodes), opset 21, spinning off, denormals as zero, basic graph optimisation.
/// </summary>
internal static class OnnxComparison
{
    public static int Run(string[] args)
    {
        int frames = 16, size = 224, threads = 2, reps = 10, opset = 17, profile = 0;
        string python = "/usr/bin/python3";
        bool? spin = null, arena = null, ftz = null;
        bool variants = false;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            int Int() => int.Parse(v, CultureInfo.InvariantCulture);
            bool OnOff() => v switch { "on" => true, "off" => false, _ => throw new ArgumentException($"{args[i]} takes on or off; found {v}.") };
            switch (args[i])
            {
                case "--frames": frames = Int(); break;
                case "--size": size = Int(); break;
                case "--threads": threads = Int(); break;
                case "--reps": reps = Int(); break;
                case "--opset": opset = Int(); break;
                case "--profile": profile = Int(); break;
                case "--python": python = v; break;
                case "--spin": spin = OnOff(); break;
                case "--arena": arena = OnOff(); break;
                case "--ftz": ftz = OnOff(); break;
                case "--variants": variants = OnOff(); break;
                default: throw new ArgumentException($"Unknown option {args[i]}; expected --frames, --size, --threads, --reps, --opset, --profile, --python, --spin, --arena, --ftz or --variants.");
            }
        }
        if (BenchDevice.IsCuda)
            throw new InvalidOperationException("The ONNX comparison runs on the CPU: set I3D_BENCH_DEVICE=cpu.");
        set_num_threads(threads);
        using var scope = NewDisposeScope();
        var model = Workloads.BaseModel(3, ScalarType.Float32);
        var frozen = FrozenInceptionI3D.Freeze(model);
        var clip = Workloads.Clip(1, frames, size, 3, ScalarType.Float32);
        var clipValues = clip.data<float>().ToArray();
        var dir = Directory.CreateTempSubdirectory("i3d-onnx-bench-").FullName;
        try
        {
            var path = Path.Combine(dir, "i3d-net.onnx");
            var export = Stopwatch.StartNew();
            OnnxExport.Export(model, path, new OnnxExportOptions { Frames = frames, Height = size, Width = size, DynamicBatch = false, Opset = opset });
            export.Stop();

            float[] expected;
            using (no_grad())
            using (var reference = model.forward(clip))
                expected = reference.data<float>().ToArray();
            var scale = expected.Max(Math.Abs);
            var referencePath = ExportReference(model, clipValues, expected, dir, frames, size, python);

            // Both ONNX Runtime sessions get the same options (threads, spinning, arena).
            Action<SessionOptions> configure = o =>
            {
                if (spin is { } s) o.AddSessionConfigEntry("session.intra_op.allow_spinning", s ? "1" : "0");
                if (arena is { } a) o.EnableCpuMemArena = a;
                if (ftz is { } z) o.AddSessionConfigEntry("session.set_denormal_as_zero", z ? "1" : "0");
            };
            var sessionOptions = new OnnxI3DOptions { IntraOpThreads = threads, ConfigureSession = configure };
            using var onnx = new OnnxI3D(path, sessionOptions);
            using var pytorchOnnx = referencePath is null ? null : new OnnxI3D(referencePath, sessionOptions);
            var dense = new DenseTensor<float>(clipValues, [1, 3, frames, size, size]);
            var worst = MaxDiff(expected, onnx.Run(dense).Buffer.ToArray());  // the largest over every ORT path of our export
            var worstReference = pytorchOnnx is null ? 0 : MaxDiff(expected, pytorchOnnx.Run(dense).Buffer.ToArray());

            var names = new List<string> { "TorchSharp InceptionI3D", "TorchSharp FrozenInceptionI3D", "ONNX Runtime, I3D.Net.Onnx export" };
            var runs = new List<Action>
            {
                () => { using var s = NewDisposeScope(); using var g = no_grad(); model.forward(clip); },
                () => { using var s = NewDisposeScope(); using var g = no_grad(); frozen.forward(clip); },
                () => onnx.Run(dense),
            };
            if (pytorchOnnx is not null)
            {
                names.Add("ONNX Runtime, PyTorch export (reference)");
                runs.Add(() => pytorchOnnx.Run(dense));
            }
            var extra = new List<OnnxI3D>();
            try
            {
                if (variants)
                {
                    void Variant(string name, OnnxExportOptions? exportOptions, OnnxI3DOptions session)
                    {
                        var file = path;
                        if (exportOptions is not null)
                        {
                            file = Path.Combine(dir, $"variant-{extra.Count}.onnx");
                            OnnxExport.Export(model, file, exportOptions);
                        }
                        var s = new OnnxI3D(file, session);
                        extra.Add(s);
                        var diff = MaxDiff(expected, s.Run(dense).Buffer.ToArray());
                        worst = Math.Max(worst, diff);
                        names.Add($"ONNX Runtime, I3D.Net.Onnx export: {name}");
                        runs.Add(() => s.Run(dense));
                    }
                    var baseExport = new OnnxExportOptions { Frames = frames, Height = size, Width = size, DynamicBatch = false, Opset = opset };
                    Variant("BatchNorm unfolded, reductions not merged", baseExport with { FoldBatchNorm = false }, sessionOptions);
                    Variant($"opset {(opset == 21 ? 17 : 21)}", baseExport with { Opset = opset == 21 ? 17 : 21 }, sessionOptions);
                    Variant("spinning off", null, sessionOptions with { ConfigureSession = o => { configure(o); o.AddSessionConfigEntry("session.intra_op.allow_spinning", "0"); } });
                    Variant("denormals as zero", null, sessionOptions with { ConfigureSession = o => { configure(o); o.AddSessionConfigEntry("session.set_denormal_as_zero", "1"); } });
                    Variant("ORT_ENABLE_BASIC", null, sessionOptions with { OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC });
                }
                foreach (var run in runs) run();  // warm-up
                var times = names.Select(_ => new List<double>()).ToArray();
                for (int r = 0; r < reps; r++)
                {
                    for (int i = 0; i < runs.Count; i++)
                    {
                        var sw = Stopwatch.StartNew();
                        runs[i]();
                        times[i].Add(sw.Elapsed.TotalMilliseconds);
                    }
                }
                var medians = times.Select(Median).ToArray();
                static string Setting(bool? value) => value is { } v ? (v ? "on" : "off") : "default";
                var settings = $"spin {Setting(spin)}, arena {Setting(arena)}, denormals as zero {Setting(ftz)}";
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"# ONNX comparison | cpu | 1x3x{frames}x{size}x{size} | {threads} threads | opset {opset} | ORT {settings} | {reps} interleaved rounds | {Environment.ProcessorCount} logical CPUs | load average {LoadAverage()} | {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z"));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"<!-- export {export.Elapsed.TotalSeconds:F1} s; max |logit| {scale:E2}; max |diff| vs TorchSharp: I3D.Net.Onnx {worst:E1}, PyTorch export {(pytorchOnnx is null ? "n/a" : worstReference.ToString("E1", CultureInfo.InvariantCulture))} -->"));
                Console.WriteLine("| path | median ms | min ms | × InceptionI3D | × ORT on PyTorch export |");
                Console.WriteLine("|---|---|---|---|---|");
                for (int i = 0; i < names.Count; i++)
                {
                    var vsReference = pytorchOnnx is null ? "n/a" : (medians[i] / medians[3]).ToString("F2", CultureInfo.InvariantCulture);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {names[i]} | {medians[i]:F0} | {times[i].Min():F0} | {medians[i] / medians[0]:F2} | {vsReference} |"));
                }
                if (profile > 0)
                {
                    OnnxLayerProfile.Run(model, frozen, clip, dense, profile, threads, configure,
                        [("I3D.Net.Onnx", path), .. referencePath is null ? Array.Empty<(string, string)>() : [("PyTorch export", referencePath)]], dir);
                }
                return worst <= 1e-4 * scale && worstReference <= 1e-4 * scale ? 0 : 1;
            }
            finally
            {
                foreach (var s in extra) s.Dispose();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>
    /// Writes the model's weights (safetensors, pytorch-i3d keys), the clip and TorchSharp's logits, and runs
    /// tools/export_reference_onnx.py with <paramref name="python"/>; returns the reference .onnx, or null (with the
    /// reason printed) when Python, PyTorch or the script is missing.
    /// </summary>
    private static string? ExportReference(InceptionI3D model, float[] clip, float[] logits, string dir, int frames, int size, string python)
    {
        if (python == "none")
            return null;
        var script = FindUpwards(Path.Combine("tools", "export_reference_onnx.py"));
        if (script is null || !File.Exists(python))
        {
            Console.WriteLine($"<!-- PyTorch reference skipped: {(script is null ? "tools/export_reference_onnx.py not found above the current folder" : $"no {python} (apt-get install -y python3-torch)")} -->");
            return null;
        }
        var weights = Path.Combine(dir, "weights.safetensors");
        var stateDict = model.state_dict().Where(kv => !kv.Key.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToDictionary();
        SafeTensorsFile.Save(weights, stateDict);
        File.WriteAllBytes(Path.Combine(dir, "clip.f32"), MemoryMarshal.AsBytes(clip.AsSpan()).ToArray());
        File.WriteAllBytes(Path.Combine(dir, "logits.f32"), MemoryMarshal.AsBytes(logits.AsSpan()).ToArray());
        var output = Path.Combine(dir, "pytorch.onnx");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, "--weights", weights, "--out", output, "--frames", $"{frames}", "--size", $"{size}",
                     "--check-input", Path.Combine(dir, "clip.f32"), "--check-output", Path.Combine(dir, "logits.f32") })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            Console.WriteLine("<!-- PyTorch reference skipped: the export took over 10 minutes -->");
            return null;
        }
        foreach (var line in stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Console.WriteLine($"<!-- {line.Trim()} -->");
        if (process.ExitCode != 0 || !File.Exists(output))
        {
            var last = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "";
            Console.WriteLine($"<!-- PyTorch reference skipped: {python} {Path.GetFileName(script)} exited with {process.ExitCode}: {last.Trim()} -->");
            return null;
        }
        return output;
    }

    private static string? FindUpwards(string relative)
    {
        for (var folder = new DirectoryInfo(Environment.CurrentDirectory); folder is not null; folder = folder.Parent)
        {
            var candidate = Path.Combine(folder.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static double MaxDiff(float[] expected, float[] actual) => expected.Zip(actual, (a, b) => (double)Math.Abs(a - b)).Max();

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Split(' ')[0]; }
        catch (IOException) { return "n/a"; }
    }
}
#endif
