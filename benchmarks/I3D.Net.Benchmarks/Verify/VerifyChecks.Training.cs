using System.Runtime.CompilerServices;
using I3D.Net.Data;
using I3D.Net.Models;
using I3D.Net.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

internal static partial class VerifyChecks
{
    /// <summary>A trainer variant: its name in the table, how it changes the options and the model, and its tolerance against the default.</summary>
    private sealed record TrainVariantSpec(string Name, Action<TrainingOptions> Configure, bool FuseReductions, double Tolerance);

    /// <summary>
    /// Tolerances of the variants' step-1 loss against the default's, |Δ| / default: step 1 runs the same weights on
    /// the same batch, so the fp32 variants differ only in summation order; bf16 rounds inputs and activations to an
    /// 8-bit mantissa (4 % measured on the CPU). Later steps are shown, not judged: the curves part after step 1 even on
    /// the CPU (the dry run measured up to 25 % of the first loss for ChannelsLast), as max-pool and ReLU ties route
    /// gradients differently per layout, and memorising one batch amplifies that.
    /// </summary>
    private static readonly TrainVariantSpec[] TrainVariants =
    [
        new("default (fp32)", _ => { }, false, 0),
        new("Precision = BFloat16Mixed", t => t.Precision = TrainingPrecision.BFloat16Mixed, false, 0.1),
        new("Optimizer.FlatBuffers", t => t.Optimizer.FlatBuffers = true, false, 1e-4),
        new("ChannelsLast (+ FlatBuffers, which it needs)", t => { t.ChannelsLast = true; t.Optimizer.FlatBuffers = true; }, false, 1e-4),
        new("InceptionI3DOptions.FuseReductions", _ => { }, true, 1e-4),
    ];

    /// <summary>Last-5-step mean loss over first-5-step mean: the model memorises one fixed batch, so the loss must fall clearly.</summary>
    public const double LossRatioTolerance = 0.9;

    /// <summary>
    /// <c>TrainSteps</c> optimizer steps of the trainer on one fixed batch, for every variant, on the device. Each variant
    /// gets a line for "the loss decreases and every loss and parameter is finite", and the non-default ones a line for
    /// agreement with the default's loss curve.
    /// </summary>
    public static IEnumerable<VerifyRow> Training(VerifyOptions o)
    {
        var shape = $"B={o.TrainBatch}, T={o.TrainFrames}, {o.TrainSize}², {o.TrainSteps} steps, lr {o.TrainLearningRate}";
        SetTf32(false);
        double[]? baseline = null;
        foreach (var variant in TrainVariants)
        {
            double[] losses = [];
            var finiteParameters = false;
            Exception? error = null;
            try
            {
                (losses, finiteParameters) = TrainOnFixedBatch(o, variant);
            }
            catch (Exception ex)
            {
                error = ex;   // e.g. NonFiniteLossException: this variant fails its line with the reason, the others still run
                Console.Error.WriteLine($"verify: train {variant.Name} threw: {ex}");
            }
            if (error is not null)
            {
                yield return new VerifyRow($"train {variant.Name} ({shape}): mean loss of last 5 / first 5 steps",
                    $"{error.GetType().Name}: {error.Message.Split('\n')[0]}", $"< {LossRatioTolerance}, all losses and parameters finite", VerifyOutcome.Fail);
                continue;
            }
            var first = losses.Take(5).Average();
            var last = losses.TakeLast(5).Average();
            var ratio = last / first;
            var allFinite = losses.All(double.IsFinite) && finiteParameters;
            yield return new VerifyRow($"train {variant.Name} ({shape}): mean loss of last 5 / first 5 steps",
                $"{VerifyRow.Format(ratio)} ({VerifyRow.Format(first)} → {VerifyRow.Format(last)}){(allFinite ? "" : ", NON-FINITE values")}",
                $"< {LossRatioTolerance}, all losses and parameters finite",
                allFinite && ratio < LossRatioTolerance ? VerifyOutcome.Pass : VerifyOutcome.Fail);
            if (baseline is null)
            {
                baseline = losses;
                continue;
            }
            var first1 = Math.Abs(losses[0] - baseline[0]) / baseline[0];
            var deviation = losses.Zip(baseline, (a, b) => Math.Abs(a - b)).Max() / baseline[0];
            var row = VerifyRow.AtMost($"train {variant.Name} vs default: step-1 |Δloss| / loss (max over all steps, not judged)", first1, variant.Tolerance);
            yield return row with { Measured = $"{row.Measured} (all steps: {VerifyRow.Format(deviation)})" };
        }
    }

    private static (double[] Losses, bool FiniteParameters) TrainOnFixedBatch(VerifyOptions o, TrainVariantSpec variant)
    {
        using var scope = NewDisposeScope();
        using (random.manual_seed(3)) { }
        using var model = new InceptionI3D(o.TrainBatch, 3, new InceptionI3DOptions { FuseReductions = variant.FuseReductions });
        var clips = randn(new long[] { o.TrainBatch, 3, o.TrainFrames, o.TrainSize, o.TrainSize }, generator: new Generator(5));
        var labels = arange(o.TrainBatch, dtype: ScalarType.Int64);   // one class per clip: memorisable
        var options = new TrainingOptions
        {
            Epochs = 1,
            Seed = 1,
            Device = BenchDevice.IsCuda ? "cuda" : "cpu",
            LogEverySteps = 0,
            Optimizer = { LearningRate = o.TrainLearningRate, Momentum = 0.9, WeightDecay = 0 },
        };
        variant.Configure(options);
        var losses = new List<double>();
        var source = new RepeatedBatchSource(o.TrainSteps, () => new ClipBatch(clips.clone(), null, labels.clone(), Enumerable.Range(0, o.TrainBatch).ToArray()),
            Enumerable.Range(0, o.TrainBatch).Select(i => $"class{i}").ToArray());
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model), options);
        trainer.FitAsync(source, progress: new InlineProgress<TrainingProgress>(p => losses.Add(p.Loss))).GetAwaiter().GetResult();
        Console.Error.WriteLine($"verify: train {variant.Name} losses: {string.Join(" ", losses.Select(VerifyRow.Format))}");
        var finite = model.parameters().All(p => p.isfinite().all().item<bool>());
        return (losses.ToArray(), finite);
    }

    /// <summary>One epoch of <c>count</c> copies of the same batch.</summary>
    private sealed class RepeatedBatchSource(int count, Func<ClipBatch> batch, IReadOnlyList<string>? classNames = null) : IClipBatchSource
    {
        public int BatchesPerEpoch => count;

        public IReadOnlyList<string> ClassNames { get; } = classNames ?? [];

        public async IAsyncEnumerable<ClipBatch> ReadEpochAsync(int epoch, int firstBatch = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (var b = firstBatch; b < count; b++)
            {
                await Task.Yield();
                yield return batch();
            }
        }
    }

    /// <summary>Reports on the caller's thread, so every step's loss is recorded before the fit returns.</summary>
    private sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
