using System.Diagnostics;
using System.Globalization;
using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks.Verify;

internal static partial class VerifyChecks
{
    /// <summary>The issue's question: does the B=8, T=64, 224² train step fit, and how large a batch fits in 80 GB.</summary>
    public const double DeviceBudgetGiB = 80;

    /// <summary>
    /// Device memory of the B=8, T=64, 224² RGB train step (fp32, TF32 on, SGD momentum): the GPU's used memory
    /// (nvidia-smi) after the step minus before the model existed. PyTorch's caching allocator keeps the blocks it
    /// reserved, so that difference is the step's peak reservation (TorchSharp 0.107 exposes no allocator statistics).
    /// Then the largest batch: a line through the B=8 and B=16 measurements predicts it, and steps at the prediction
    /// (then 10 % smaller, up to 3 tries) find the largest that runs.
    /// </summary>
    public static IEnumerable<VerifyRow> Memory(VerifyOptions o)
    {
        if (!BenchDevice.IsCuda)
        {
            const string why = "n/a: CPU dry run, no device memory (the B=8, T=64, 224² step is ~2.6 TFLOP: minutes on this CPU)";
            yield return new VerifyRow("peak device memory of one train step, B=8, T=64, 224² (fp32, TF32)", why, $"≤ {DeviceBudgetGiB} GiB", VerifyOutcome.NotApplicable);
            yield return new VerifyRow("largest batch at T=64, 224² that trains within the device's memory", why, $"≥ 8 within {DeviceBudgetGiB} GiB", VerifyOutcome.NotApplicable);
            yield break;
        }
        SetTf32(true);
        cuda.synchronize();
        var (baseline, total) = UsedAndTotalMiB();
        using var seed = random.manual_seed(1);
        using var model = new InceptionI3D(400, 3, device: BenchDevice.Device);
        using var optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        bool Step(int batch)
        {
            try
            {
                using var scope = NewDisposeScope();
                optimizer.zero_grad();
                var clip = randn(new long[] { batch, 3, 64, 224, 224 }, device: BenchDevice.Device);
                var labels = randint(400, new long[] { batch }, device: BenchDevice.Device);
                nn.functional.cross_entropy(model.call(clip), labels).backward();
                optimizer.step();
                cuda.synchronize();
                return true;
            }
            catch (Exception ex) when (ex.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }
        if (!Step(8))
        {
            yield return new VerifyRow("peak device memory of one train step, B=8, T=64, 224² (fp32, TF32)", "out of memory", $"≤ {DeviceBudgetGiB} GiB", VerifyOutcome.Fail);
            yield break;
        }
        var at8 = (UsedAndTotalMiB().Used - baseline) / 1024.0;
        yield return VerifyRow.AtMost($"peak device memory of one train step, B=8, T=64, 224² (fp32, TF32; GPU has {total / 1024.0:F1} GiB)", at8, DeviceBudgetGiB, " GiB");

        var at16 = Step(16) ? (UsedAndTotalMiB().Used - baseline) / 1024.0 : double.NaN;
        var perClip = (at16 - at8) / 8;
        var budget = Math.Min(DeviceBudgetGiB, (total - baseline) / 1024.0);
        var predicted = double.IsFinite(perClip) && perClip > 0 ? (int)Math.Floor(8 + (budget - at8) / perClip) : 16;
        var largest = 0;
        var tried = new List<string>();
        for (int attempt = 0, batch = predicted; attempt < 3 && batch > 16; attempt++, batch = (int)(batch * 0.9))
        {
            var ok = Step(batch);
            tried.Add($"{batch} {(ok ? "ran" : "OOM")}");
            if (ok) { largest = batch; break; }
        }
        if (largest == 0 && double.IsFinite(at16)) largest = 16;
        yield return new VerifyRow($"largest batch at T=64, 224² that trains (linear fit of B=8/16: {perClip.ToString("F2", CultureInfo.InvariantCulture)} GiB per clip, predicts {predicted})",
            $"{largest} (tried: {string.Join(", ", tried)})", $"≥ 8 within {budget:F0} GiB", largest >= 8 ? VerifyOutcome.Pass : VerifyOutcome.Fail);
    }

    /// <summary>Used and total memory of GPU 0 in MiB, from nvidia-smi.</summary>
    private static (double Used, double Total) UsedAndTotalMiB()
    {
        var start = new ProcessStartInfo("nvidia-smi", "--query-gpu=memory.used,memory.total --format=csv,noheader,nounits --id=0")
        { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("nvidia-smi did not start.");
        var line = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        var parts = line.Split(',', StringSplitOptions.TrimEntries);
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
