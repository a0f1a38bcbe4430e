using I3D.Net.Data;
using I3D.Net.Models;
using I3D.Net.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

internal static partial class VerifyChecks
{
    /// <summary>
    /// A trainer checkpoint written on one device resumes on the other: 3 steps on the writer (checkpoint every step),
    /// then a resume on the reader with the same epoch count (nothing left to train: the model must hold the checkpoint
    /// exactly) and one with a second epoch (3 more steps there). Measured: max |Δ| over the state dict between the
    /// writer's model and the reader's resumed one, which must be 0, plus the resumed steps' losses.
    /// </summary>
    public static IEnumerable<VerifyRow> Checkpoints(VerifyOptions o)
    {
        var device = BenchDevice.IsCuda ? "cuda" : "cpu";
        yield return CheckpointRoundTrip(device, "cpu");
        yield return CheckpointRoundTrip("cpu", device);
    }

    private static VerifyRow CheckpointRoundTrip(string writer, string reader)
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("i3d-verify-checkpoint-").FullName;
        try
        {
            const int classes = 3, batches = 3;
            var clips = randn(new long[] { 2, 3, 4, 32, 32 }, generator: new Generator(9));
            var labels = tensor(new long[] { 0, 2 });
            IClipBatchSource Source() => new RepeatedBatchSource(batches, () => new ClipBatch(clips.clone(), null, labels.clone(), [0, 1]), ["a", "b", "c"]);
            TrainingOptions Options(string device, int epochs) => new()
            {
                Epochs = epochs,
                Seed = 2,
                Device = device,
                LogEverySteps = 0,
                Optimizer = { LearningRate = 0.01 },
                Checkpoint = new CheckpointOptions { Directory = dir, EverySteps = 1, KeepLast = 2 },
            };
            InceptionI3D Model(int seed)
            {
                using (random.manual_seed(seed)) return new InceptionI3D(classes, 3);
            }

            using var written = Model(1);
            new I3DTrainer(ClassifierAdapter.Rgb(written), Options(writer, 1)).FitAsync(Source()).GetAwaiter().GetResult();
            var expected = written.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.cpu().to(ScalarType.Float64));

            using var resumed = Model(99);   // different initial weights: everything must come from the checkpoint
            var same = new I3DTrainer(ClassifierAdapter.Rgb(resumed), Options(reader, 1)).FitAsync(Source()).GetAwaiter().GetResult();
            var delta = resumed.state_dict().Max(kv => (kv.Value.cpu().to(ScalarType.Float64) - expected[kv.Key]).abs().max().item<double>());
            var onDevice = resumed.parameters().First().device_type.ToString().ToLowerInvariant();

            var losses = new List<double>();
            using var continued = Model(98);
            var more = new I3DTrainer(ClassifierAdapter.Rgb(continued), Options(reader, 2))
                .FitAsync(Source(), progress: new InlineProgress<TrainingProgress>(p => losses.Add(p.Loss))).GetAwaiter().GetResult();

            var ok = same.ResumedFrom is not null && delta == 0 && more.ResumedFrom is not null && more.Steps == 2 * batches
                     && losses.Count == batches && losses.All(double.IsFinite) && onDevice == reader;
            return new VerifyRow($"checkpoint written on {writer}, resumed on {reader}: max|Δ| of the state dict; then {batches} more steps",
                $"{VerifyRow.Format(delta)} (model on {onDevice}); resumed at step {(more.ResumedFrom is null ? "none" : batches.ToString())}, "
                + $"{losses.Count} more losses {string.Join(", ", losses.Select(VerifyRow.Format))}",
                $"= 0; resumed; {batches} finite losses", ok ? VerifyOutcome.Pass : VerifyOutcome.Fail);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
