using System.Diagnostics;
using System.Globalization;
using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>
/// One pass over every workload, printed as a table that benchmarks/pytorch_baseline.py prints the same way, so a
/// short GPU lease can compare both in one command. Times are medians of <c>--reps</c> synchronised runs.
/// </summary>
internal static class QuickRunner
{
    public static int Run(string[] args)
    {
        var o = ParseOptions(args);
        var device = BenchDevice.Device;
        if (BenchDevice.IsCuda)
        {
            // The same settings as the PyTorch baseline: TF32 matmul/conv and cuDNN autotuning.
            backends.cuda.matmul.allow_tf32 = true;
            backends.cudnn.allow_tf32 = true;
            LibTorchSettings.CudnnBenchmark = o.CudnnBenchmark;
        }
        Console.WriteLine($"# I3D.Net quick benchmark | device {device.type} | batch {o.Batch} | frames {o.Frames} | size {o.Size} | threads {get_num_threads()} | cudnn.benchmark {(BenchDevice.IsCuda && o.CudnnBenchmark ? "on" : "off")} | {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z");
        Console.WriteLine("| workload | variant | dtype | median ms | throughput |");
        Console.WriteLine("|---|---|---|---|---|");
        var dtypes = o.Dtypes.Select(ParseDtype).ToArray();
        foreach (var dtype in dtypes)
        {
            if (o.Sections.Contains("conv")) ConvShapes(o, dtype);
            if (o.Sections.Contains("block")) Blocks(o, dtype);
            if (o.Sections.Contains("model")) Inference(o, dtype);
            if (o.Sections.Contains("train")) TrainStep(o, dtype);
            if (o.Sections.Contains("optimizer")) OptimizerStep(o, dtype);
        }
        return 0;
    }

    /// <summary>All variants on the same clip, timed in interleaved rounds so that a changing machine load (shared
    /// CPUs, GPU clocks) affects them alike; the ratios to <see cref="ModelVariant.NaivePort"/> and <see cref="ModelVariant.Plain"/> are printed too.</summary>
    private static void Inference(Options o, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var variants = Enum.GetValues<ModelVariant>();
        // Built in float32 and converted, so a lower precision can be compared with float32 on the same weights.
        var baseModel = Workloads.BaseModel(3, ScalarType.Float32);
        var clip32 = Workloads.Clip(o.Batch, o.Frames, o.Size, 3, ScalarType.Float32);
        Tensor? float32Logits = null;
        if (dtype != ScalarType.Float32)
        {
            using (no_grad()) float32Logits = baseModel.forward(clip32);
            baseModel.to(dtype);
        }
        var models = variants.Select(v => Workloads.Variant(baseModel, v)).ToArray();
        var clip = clip32.to(dtype);
        void Forward(int i)
        {
            using var s = NewDisposeScope();
            using var noGrad = no_grad();
            models[i].forward(clip);
            BenchDevice.Synchronize();
        }
        using (no_grad())
        {
            // Every variant computes the same function: report the largest deviation from the plain model.
            var reference = models[Array.IndexOf(variants, ModelVariant.Plain)].forward(clip).to(ScalarType.Float32);
            var deviations = models.Select((m, i) => $"{variants[i]} {(m.forward(clip).to(ScalarType.Float32) - reference).abs().max().item<float>():E1}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"<!-- {DtypeName(dtype)}: max |logit| {reference.abs().max().item<float>():E2}; largest difference from Plain: {string.Join(", ", deviations)} -->"));
            if (float32Logits is not null)
            {
                var fromFloat32 = models.Select((m, i) => $"{variants[i]} {(m.forward(clip).to(ScalarType.Float32) - float32Logits).abs().max().item<float>():E1}");
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"<!-- {DtypeName(dtype)} against float32 Plain on the same weights (max |logit| {float32Logits.abs().max().item<float>():E2}): {string.Join(", ", fromFloat32)} -->"));
            }
        }
        var times = InterleavedMedians(models.Length, o.Warmup, o.Reps, Forward);
        double plain = times[Array.IndexOf(variants, ModelVariant.Plain)];
        double naive = times[Array.IndexOf(variants, ModelVariant.NaivePort)];
        for (int i = 0; i < models.Length; i++)
        {
            double ms = times[i];
            Row("inference", variants[i].ToString(), dtype, ms, $"{o.Batch * 1000 / ms:F2} clips/s ({ms / naive:F2}x NaivePort, {ms / plain:F2}x Plain time)");
        }
        foreach (var m in models.Distinct()) m.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="run"/>(i) for every i in <paramref name="warmup"/> untimed rounds, then times it in
    /// <paramref name="reps"/> interleaved rounds (so changing machine load affects all alike); each i's median in ms.
    /// </summary>
    private static double[] InterleavedMedians(int count, int warmup, int reps, Action<int> run)
    {
        for (int w = 0; w < warmup; w++)
            for (int i = 0; i < count; i++) run(i);
        var times = Enumerable.Range(0, count).Select(_ => new double[reps]).ToArray();
        for (int r = 0; r < reps; r++)
            for (int i = 0; i < count; i++)
            {
                var sw = Stopwatch.StartNew();
                run(i);
                times[i][r] = sw.Elapsed.TotalMilliseconds;
            }
        return times.Select(t => t.Order().ElementAt(reps / 2)).ToArray();
    }

    /// <summary>Train steps of every <see cref="TrainVariant"/>, in interleaved rounds like <see cref="Inference"/>.</summary>
    private static void TrainStep(Options o, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var variants = Enum.GetValues<TrainVariant>();
        var setups = variants.Select(v => TrainSetup.Create(v, dtype)).ToArray();
        var clip = Workloads.Clip(o.Batch, o.Frames, o.Size, 3, dtype);
        var labels = randint(0, 400, new[] { (long)o.Batch }, device: BenchDevice.Device);
        double Step(int i)
        {
            using var s = NewDisposeScope();
            var loss = setups[i].Step(clip, labels);
            BenchDevice.Synchronize();
            return loss.item<float>();
        }
        // The first step from the same weights with the same dropout masks: the losses should agree.
        var losses = variants.Select((v, i) => { using (random.manual_seed(5)) { } return $"{v} {Step(i):F6}"; });
        Console.WriteLine($"<!-- {DtypeName(dtype)} first-step loss: {string.Join(", ", losses)} -->");
        // The first step was one warm-up round.
        var times = InterleavedMedians(setups.Length, o.Warmup - 1, o.Reps, i => Step(i));
        double baseline = times[0];
        for (int i = 0; i < setups.Length; i++)
        {
            double ms = times[i];
            Row("train step (SGD m=0.9)", variants[i].ToString(), setups[i].Mixed ? "bf16 mixed" : DtypeName(dtype), ms, $"{o.Batch * 1000 / ms:F2} clips/s ({ms / baseline:F2}x Sgd time)");
        }
        foreach (var setup in setups) setup.Dispose();
    }

    /// <summary>The optimizer alone (step and zero_grad on I3D's 12.7 M parameters): per-tensor SGD against FlatSgd,
    /// in interleaved rounds.</summary>
    private static void OptimizerStep(Options o, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        TrainVariant[] variants = [TrainVariant.Sgd, TrainVariant.FlatSgd];
        var setups = variants.Select(v => TrainSetup.Create(v, dtype)).ToArray();
        foreach (var model in setups.Select(x => x.Model))
        {
            using var s = NewDisposeScope();
            // One small backward gives every parameter a gradient; the step's cost does not depend on its values.
            var loss = nn.functional.cross_entropy(model.forward(Workloads.Clip(1, 8, 32, 3, dtype)).to(ScalarType.Float32), randint(0, 400, [1L], device: BenchDevice.Device));
            loss.backward();
        }
        void Step(int i)
        {
            using var s = NewDisposeScope();
            setups[i].Optimizer.step();
            setups[i].Optimizer.zero_grad();
            BenchDevice.Synchronize();
        }
        var times = InterleavedMedians(setups.Length, o.Warmup, o.Reps, Step);
        for (int i = 0; i < setups.Length; i++)
            Row("optimizer step + zero_grad", variants[i].ToString(), dtype, times[i], $"{setups[i].Model.parameters().Count()} tensors");
        foreach (var setup in setups) setup.Dispose();
    }

    /// <summary>
    /// Every Inception block (Mixed_3b … Mixed_5c) at its input size in the model: inference forward and a training
    /// forward + backward, with the three 1×1×1 reductions separate and fused (<see cref="Inception3DBlock.FuseReductions"/>).
    /// </summary>
    private static void Blocks(Options o, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var model = new InceptionI3D(400, 3, device: BenchDevice.Device, dtype: dtype);
        var shapes = new Dictionary<string, long[]>();
        using (no_grad())
        {
            model.eval();
            // Shapes only: batch 1 at the benchmark's clip size.
            long[] previous = [1, 3, o.Frames, o.Size, o.Size];
            using var probe = zeros(previous, dtype: dtype, device: BenchDevice.Device);
            foreach (var (endpoint, output) in model.ForwardEndpoints(probe))
            {
                shapes[endpoint.ToString()] = previous;
                previous = output.shape;
            }
        }
        foreach (var (name, module) in model.named_children())
        {
            if (module is not Inception3DBlock block) continue;
            var input = shapes[name];
            var x = rand(new[] { (long)o.Batch, input[1], input[2], input[3], input[4] }, dtype: dtype, device: BenchDevice.Device);
            var xGrad = x.detach().requires_grad_(true);
            foreach (var fused in new[] { false, true })
            {
                block.FuseReductions = fused;
                var variant = fused ? "fused 1x1" : "separate 1x1";
                block.eval();
                double inferMs = Median(o, () =>
                {
                    using var s = NewDisposeScope();
                    using var noGrad = no_grad();
                    block.forward(x);
                });
                block.train();
                double trainMs = Median(o, () =>
                {
                    using var s = NewDisposeScope();
                    block.forward(xGrad).sum().backward();
                });
                Row($"block {name} in {input[1]}x{input[2]}x{input[3]}x{input[4]}", variant, dtype, inferMs, $"forward {inferMs:F2} ms; forward+backward {trainMs:F2} ms");
            }
            block.FuseReductions = false;
        }
        model.Dispose();
    }

    private static void ConvShapes(Options o, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var probe = new InceptionI3D(400, 3);
        probe.eval();
        // Endpoint output sizes at the benchmark's clip size (batch 1 on CPU is enough to learn the shapes).
        var shapes = new Dictionary<string, long[]>();
        using (var clip = zeros(new long[] { 1, 3, o.Frames, o.Size, o.Size }))
        {
            long[] previous = clip.shape;
            foreach (var (endpoint, output) in probe.ForwardEndpoints(clip))
            {
                shapes[endpoint + ":in"] = previous;
                previous = output.shape;
            }
        }
        var seen = new HashSet<string>();
        foreach (var (name, module) in probe.named_modules())
        {
            if (module is not InflatedConv3d conv || name == "logits") continue;
            var endpoint = name.Split('.')[0];
            var input = shapes[endpoint + ":in"];
            var (kt, kh, kw) = conv.KernelSize;
            var (st, sh, sw) = conv.Stride;
            // b1b/b2b read the reduction's output, which has the block input's T, H and W.
            string key = $"{conv.InChannels}->{conv.OutChannels} k{kt}x{kh}x{kw} s{st} in {input[2]}x{input[3]}x{input[4]}";
            if (!seen.Add(key)) continue;
            var x = rand(new[] { o.Batch, conv.InChannels, input[2], input[3], input[4] }, dtype: dtype, device: BenchDevice.Device);
            var w = rand(new[] { conv.OutChannels, conv.InChannels, kt, kh, kw }, dtype: dtype, device: BenchDevice.Device);
            long[] stride = [st, sh, sw];
            long outT = TfSamePadding.OutputSize(input[2], st), outH = TfSamePadding.OutputSize(input[3], sh), outW = TfSamePadding.OutputSize(input[4], sw);
            double macs = (double)o.Batch * conv.OutChannels * outT * outH * outW * conv.InChannels * kt * kh * kw;
            foreach (var layout in new[] { "NCDHW", "NDHWC" })
            {
                var xi = layout == "NCDHW" ? x : x.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);
                var wi = layout == "NCDHW" ? w : w.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3);
                double ms = Median(o, () =>
                {
                    using var s = NewDisposeScope();
                    TfSamePadding.Conv3d(xi, wi, null, stride);
                });
                Row($"conv3d {key}", layout, dtype, ms, $"{2 * macs / (ms / 1000) / 1e9:F1} GFLOP/s");
            }
        }
        probe.Dispose();
    }

    private static double Median(Options o, Action action) =>
        InterleavedMedians(1, o.Warmup, o.Reps, _ => { action(); BenchDevice.Synchronize(); })[0];

    private static void Row(string workload, string variant, ScalarType dtype, double ms, string throughput) =>
        Row(workload, variant, DtypeName(dtype), ms, throughput);

    private static void Row(string workload, string variant, string dtype, double ms, string throughput) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {workload} | {variant} | {dtype} | {ms:F1} | {throughput} |"));

    private static string DtypeName(ScalarType t) => t switch { ScalarType.BFloat16 => "bf16", ScalarType.Float16 => "fp16", ScalarType.Float64 => "fp64", _ => "fp32" };

    private static ScalarType ParseDtype(string s) => s switch
    {
        "fp32" => ScalarType.Float32,
        "bf16" => ScalarType.BFloat16,
        "fp64" => ScalarType.Float64, // a reference (libtorch's CPU has no bf16 avg_pool3d, so bf16 runs on CUDA only)
        _ => throw new ArgumentException($"Unknown dtype '{s}'; expected fp32, bf16 or fp64."),
    };

    private sealed record Options(int Batch, int Frames, int Size, int Reps, int Warmup, string[] Sections, string[] Dtypes, bool CudnnBenchmark = true);

    private static Options ParseOptions(string[] args)
    {
        var o = new Options(1, 16, 224, 5, 2, ["model"], ["fp32"]);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            o = args[i] switch
            {
                "--batch" => o with { Batch = int.Parse(v, CultureInfo.InvariantCulture) },
                "--frames" => o with { Frames = int.Parse(v, CultureInfo.InvariantCulture) },
                "--size" => o with { Size = int.Parse(v, CultureInfo.InvariantCulture) },
                "--reps" => o with { Reps = int.Parse(v, CultureInfo.InvariantCulture) },
                "--warmup" => o with { Warmup = int.Parse(v, CultureInfo.InvariantCulture) },
                "--sections" => o with { Sections = v.Split(',') },
                "--dtypes" => o with { Dtypes = v.Split(',') },
                "--cudnn-benchmark" => o with { CudnnBenchmark = bool.Parse(v) },
                _ => throw new ArgumentException($"Unknown option {args[i]}; expected --batch, --frames, --size, --reps, --warmup, --sections conv,block,model,train,optimizer, --dtypes fp32,bf16,fp64, --cudnn-benchmark true|false."),
            };
        }
        return o;
    }
}
