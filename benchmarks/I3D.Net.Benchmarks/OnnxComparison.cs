#if I3D_ONNX
using System.Diagnostics;
using System.Globalization;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using I3D.Net.Onnx;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// <c>onnx [--frames 16] [--size 224] [--threads 2] [--reps 10]</c>: one RGB clip through TorchSharp's
/// <see cref="InceptionI3D"/>, <see cref="FrozenInceptionI3D"/> and the ONNX Runtime session of the same model's export
/// (BatchNorm folded, opset 17), on the CPU with the same thread count, same weights (calibrated BatchNorm, as the
/// quick benchmark's <see cref="Workloads.BaseModel"/>), timed in interleaved rounds; prints medians and ratios.
/// </summary>
internal static class OnnxComparison
{
    public static int Run(string[] args)
    {
        int frames = 16, size = 224, threads = 2, reps = 10;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            int v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--frames": frames = v; break;
                case "--size": size = v; break;
                case "--threads": threads = v; break;
                case "--reps": reps = v; break;
                default: throw new ArgumentException($"Unknown option {args[i]}; expected --frames, --size, --threads or --reps.");
            }
        }
        if (BenchDevice.IsCuda)
            throw new InvalidOperationException("The ONNX comparison runs on the CPU: set I3D_BENCH_DEVICE=cpu.");
        set_num_threads(threads);
        using var scope = NewDisposeScope();
        var model = Workloads.BaseModel(3, ScalarType.Float32);
        var frozen = FrozenInceptionI3D.Freeze(model);
        var clip = Workloads.Clip(1, frames, size, 3, ScalarType.Float32);
        var path = Path.Combine(Path.GetTempPath(), $"i3d-bench-{Environment.ProcessId}.onnx");
        var export = Stopwatch.StartNew();
        OnnxExport.Export(model, path, new OnnxExportOptions { Frames = frames, Height = size, Width = size, DynamicBatch = false });
        export.Stop();
        try
        {
            using var onnx = new OnnxI3D(path, new OnnxI3DOptions { IntraOpThreads = threads });
            var dense = new DenseTensor<float>(clip.data<float>().ToArray(), [1, 3, frames, size, size]);
            Tensor reference;
            using (no_grad()) reference = model.forward(clip);
            var expected = reference.data<float>().ToArray();
            var actual = onnx.Run(dense).Buffer.ToArray();
            var scale = expected.Max(Math.Abs);
            var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();

            var names = new[] { "TorchSharp InceptionI3D", "TorchSharp FrozenInceptionI3D", "ONNX Runtime (I3D.Net.Onnx export)" };
            var runs = new Action[]
            {
                () => { using var s = NewDisposeScope(); using var g = no_grad(); model.forward(clip); },
                () => { using var s = NewDisposeScope(); using var g = no_grad(); frozen.forward(clip); },
                () => onnx.Run(dense),
            };
            foreach (var run in runs) run();  // warm-up
            var times = names.Select(_ => new List<double>()).ToArray();
            for (int r = 0; r < reps; r++)
            {
                for (int i = 0; i < runs.Length; i++)
                {
                    var sw = Stopwatch.StartNew();
                    runs[i]();
                    times[i].Add(sw.Elapsed.TotalMilliseconds);
                }
            }
            var medians = times.Select(Median).ToArray();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"# ONNX comparison | cpu | 1x3x{frames}x{size}x{size} | {threads} threads | {reps} interleaved rounds | {Environment.ProcessorCount} logical CPUs | load average {LoadAverage()} | {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"<!-- export {export.Elapsed.TotalSeconds:F1} s; ONNX vs TorchSharp logits: max |diff| {worst:E1} at max |logit| {scale:E2} -->"));
            Console.WriteLine("| path | median ms | min ms | × InceptionI3D |");
            Console.WriteLine("|---|---|---|---|");
            for (int i = 0; i < names.Length; i++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {names[i]} | {medians[i]:F0} | {times[i].Min():F0} | {medians[i] / medians[0]:F2} |"));
            return worst <= 1e-4 * scale ? 0 : 1;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static double Median(List<double> values)
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
