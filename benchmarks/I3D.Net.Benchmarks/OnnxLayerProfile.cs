#if I3D_ONNX
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp;
using Tensor = TorchSharp.torch.Tensor;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// <c>onnx --profile N</c>: where the time goes, layer by layer. TorchSharp is timed with forward pre-hooks and hooks
/// on every top-level layer (blocks) and on every convolution and max pool (op kinds); ONNX Runtime with its own
/// profiler (<see cref="SessionOptions.EnableProfiling"/>: one JSON event per node run), the warm-up pass dropped. Prints
/// milliseconds per pass by block and by op kind.
/// </summary>
internal static class OnnxLayerProfile
{
    private const string Between = "pools between blocks, head";

    public static void Run(InceptionI3D model, FrozenInceptionI3D frozen, Tensor clip, DenseTensor<float> dense, int passes, int threads,
        Action<SessionOptions> configure, (string Name, string Path)[] onnxFiles, string dir)
    {
        var columns = new List<(string Name, Dictionary<string, double> Blocks, Dictionary<string, double> Ops, double Total)>
        {
            Torch("InceptionI3D", model, clip, passes),
            Torch("FrozenInceptionI3D", frozen, clip, passes),
        };
        foreach (var (name, path) in onnxFiles)
            columns.Add(Ort($"ORT, {name}", path, dense, passes, threads, configure, dir));

        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"# Layer profile | ms per pass, mean of {passes} passes after a warm-up | load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
        Console.WriteLine($"| block | {string.Join(" | ", columns.Select(c => c.Name))} |");
        Console.WriteLine($"|---|{string.Concat(columns.Select(_ => "---|"))}");
        var blocks = columns.SelectMany(c => c.Blocks.Keys).Distinct().OrderBy(BlockOrder).ToArray();
        foreach (var block in blocks)
            Console.WriteLine($"| {block} | {string.Join(" | ", columns.Select(c => Ms(c.Blocks.GetValueOrDefault(block))))} |");
        Console.WriteLine($"| **total (timed pass)** | {string.Join(" | ", columns.Select(c => Ms(c.Total)))} |");

        Console.WriteLine();
        Console.WriteLine("| op kind | ms per pass (node or module count) |");
        Console.WriteLine("|---|---|");
        foreach (var c in columns)
            Console.WriteLine($"| {c.Name} | {string.Join("; ", c.Ops.OrderByDescending(o => o.Value).Select(o => $"{o.Key} {Ms(o.Value)}"))} |");
    }

    private static string Ms(double ms) => ms.ToString("F1", CultureInfo.InvariantCulture);

    private static int BlockOrder(string block) =>
        block == Between ? 1000 : Enum.TryParse<I3DEndpoint>(block, out var e) ? (int)e : 999;

    private static string BlockOf(string layer) =>
        layer.StartsWith("Conv3d_", StringComparison.Ordinal) || layer.StartsWith("Mixed_", StringComparison.Ordinal) ? layer : Between;

    private static (string, Dictionary<string, double>, Dictionary<string, double>, double) Torch(string name, nn.Module<Tensor, Tensor> model, Tensor clip, int passes)
    {
        var blocks = new Dictionary<string, double>();
        var ops = new Dictionary<string, double>();
        var counts = new Dictionary<string, int>();
        var starts = new Dictionary<nn.Module, long>();
        bool recording = false;

        void Hook(nn.Module<Tensor, Tensor> module, Dictionary<string, double> into, string key)
        {
            module.register_forward_pre_hook((m, _) => { starts[m] = Stopwatch.GetTimestamp(); return null!; });
            module.register_forward_hook((m, _, _) =>
            {
                if (recording) into[key] = into.GetValueOrDefault(key) + Stopwatch.GetElapsedTime(starts[m]).TotalMilliseconds;
                return null!;
            });
        }

        // Blocks: the model's top-level layers (FrozenInceptionI3D keeps them in a ModuleList named by endpoint).
        foreach (var (childName, child) in model.named_children())
        {
            if (child is nn.Module<Tensor, Tensor> layer)
                Hook(layer, blocks, BlockOf(childName));
            else
                foreach (var item in child.children().OfType<nn.Module<Tensor, Tensor>>())
                    Hook(item, blocks, BlockOf(item.GetName()));
        }
        // Op kinds: every convolution unit (conv + BatchNorm + ReLU, or folded conv + ReLU) and max pool.
        foreach (var (_, module) in model.named_modules())
        {
            var kind = module.GetType().Name switch
            {
                "InflatedConv3d" => "Conv3d+BN+ReLU",
                "FoldedConv3d" => "Conv3d(folded)+ReLU",
                "MaxPool3dTfSame" => "MaxPool(TF-SAME)",
                _ => null,
            };
            if (kind is null || module is not nn.Module<Tensor, Tensor> m) continue;
            counts[kind] = counts.GetValueOrDefault(kind) + 1;
            Hook(m, ops, kind);
        }

        double total = 0;
        using var noGrad = no_grad();
        for (int pass = 0; pass <= passes; pass++)
        {
            recording = pass > 0;
            using var scope = NewDisposeScope();
            var start = Stopwatch.GetTimestamp();
            model.call(clip);
            if (recording) total += Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }
        var perPass = ops.ToDictionary(o => $"{o.Key} ×{counts[o.Key]}", o => o.Value / passes);
        perPass["rest (concat, slices, head)"] = (total - ops.Values.Sum()) / passes;
        return ($"TorchSharp {name}", blocks.ToDictionary(b => b.Key, b => b.Value / passes), perPass, total / passes);
    }

    private static (string, Dictionary<string, double>, Dictionary<string, double>, double) Ort(string name, string path, DenseTensor<float> dense, int passes, int threads,
        Action<SessionOptions> configure, string dir)
    {
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            EnableProfiling = true,
            ProfileOutputPathPrefix = Path.Combine(dir, Path.GetFileNameWithoutExtension(path)),
        };
        configure(options);
        string profile;
        using (var session = new InferenceSession(path, options))
        {
            var input = NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.First(), dense);
            for (int pass = 0; pass <= passes; pass++)
                session.Run([input]).Dispose();
            profile = session.EndProfiling();
        }
        using var json = JsonDocument.Parse(File.ReadAllText(Path.IsPathRooted(profile) ? profile : Path.Combine(Environment.CurrentDirectory, profile)));
        File.Delete(profile);
        var events = json.RootElement.EnumerateArray().ToArray();
        // Drop the warm-up: node events that start before the first model_run ends.
        var runs = events.Where(e => e.GetProperty("cat").GetString() == "Session" && e.GetProperty("name").GetString() == "model_run")
            .Select(e => (Ts: e.GetProperty("ts").GetInt64(), Dur: e.GetProperty("dur").GetInt64())).OrderBy(r => r.Ts).ToArray();
        var warmEnd = runs[0].Ts + runs[0].Dur;
        var blocks = new Dictionary<string, double>();
        var ops = new Dictionary<string, double>();
        var nodes = new Dictionary<string, HashSet<string>>();
        foreach (var e in events)
        {
            if (e.GetProperty("cat").GetString() != "Node" || e.GetProperty("ts").GetInt64() < warmEnd) continue;
            var node = e.GetProperty("name").GetString()!;
            if (!node.EndsWith("_kernel_time", StringComparison.Ordinal)) continue;
            node = node[..^"_kernel_time".Length];
            var op = e.GetProperty("args").GetProperty("op_name").GetString()!;
            var ms = e.GetProperty("dur").GetInt64() / 1000.0;
            var trimmed = node.TrimStart('/');
            var slash = trimmed.IndexOf('/');
            var block = BlockOf(slash < 0 ? trimmed : trimmed[..slash]);
            blocks[block] = blocks.GetValueOrDefault(block) + ms;
            ops[op] = ops.GetValueOrDefault(op) + ms;
            (nodes.TryGetValue(op, out var set) ? set : nodes[op] = []).Add(node);
        }
        var timed = runs.Skip(1).Sum(r => r.Dur) / 1000.0 / passes;
        return (name, blocks.ToDictionary(b => b.Key, b => b.Value / passes), ops.ToDictionary(o => $"{o.Key} ×{nodes[o.Key].Count}", o => o.Value / passes), timed);
    }
}
#endif
