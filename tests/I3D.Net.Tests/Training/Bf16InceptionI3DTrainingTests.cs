using I3D.Net.Data;
using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training;

/// <summary>
/// <see cref="TrainingPrecision.BFloat16Mixed"/> on a real InceptionI3D over several steps. libtorch's CPU bfloat16
/// conv3d returned a garbage weight gradient for inputs of depth 2 that it padded in time itself (the 3×3×3 units of
/// Mixed_4 at 8 frames), which put ±1e35 and NaN into the masters at step 1 or 2; <c>TfSamePadding.PaddedConv3d</c>
/// pads those explicitly.
/// </summary>
[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class Bf16InceptionI3DTrainingTests(ITestOutputHelper output)
{
    /// <summary>bf16 has an 8-bit mantissa: the float32 reference's gradients of a 3×3×3 unit measured 0.2–0.4 % away.</summary>
    private const double GradientTolerance = 0.02;

    /// <summary>
    /// Step 1 runs the same weights on the same batch in both precisions, so its losses differ by bf16 rounding only:
    /// 0.6 % of the float32 loss measured (CPU, B=8). At B=4 it was 17 %, most likely as BatchNorm in Mixed_5 (1×1×1 there)
    /// normalises over 4 values and magnifies the rounding, hence the batch of 8.
    /// </summary>
    private const double FirstStepTolerance = 0.03;

    /// <summary>
    /// Later steps are bounded loosely, over the float32 run's first loss: memorising one batch amplifies any difference
    /// (the float32 variants of the GPU verification part by up to 25 % with summation order alone); measured 18 % at
    /// steps 2 and 3, then back within 6 %. A corrupted gradient makes the bf16 losses NaN, which fails the finiteness check first.
    /// </summary>
    private const double CurveTolerance = 0.3;

    [Theory]
    [InlineData(2L)]   // the depth that broke
    [InlineData(3L)]
    [InlineData(5L)]
    public void Bf16WeightGradientOfAPaddedUnitMatchesFloat32(long depth)
    {
        using var scope = NewDisposeScope();
        var device = TestDevice.Device;
        using var f32 = new InflatedConv3d(16, 48, (3, 3, 3), useBatchNorm: false, activation: false, device: device);
        using var bf16 = new InflatedConv3d(16, 48, (3, 3, 3), useBatchNorm: false, activation: false, device: device);
        bf16.load_state_dict(f32.state_dict());
        bf16.to(ScalarType.BFloat16);
        // Three draws: the broken kernel's result changed from call to call (once in a while close to right).
        for (var draw = 0; draw < 3; draw++)
        {
            using var inner = NewDisposeScope();
            var x = randn(new long[] { 4, 16, depth, 4, 4 }, device: device).to(ScalarType.BFloat16);
            var y16 = bf16.call(x);
            var upstream = randn_like(y16, dtype: ScalarType.Float32).to(ScalarType.BFloat16);
            y16.mul(upstream).sum().backward();
            // The reference convolves the same bf16-rounded values in float32.
            using (no_grad()) f32.Convolution.weight!.copy_(bf16.Convolution.weight!);
            f32.call(x.to(ScalarType.Float32)).mul(upstream.to(ScalarType.Float32)).sum().backward();

            var expected = f32.Convolution.weight!.grad!;
            var actual = bf16.Convolution.weight!.grad!.to(ScalarType.Float32);
            var error = ((actual - expected).abs().max() / expected.abs().max()).item<float>();
            output.WriteLine($"depth {depth}, draw {draw}: max |Δ| / max |g| = {error:G3}");
            actual.isfinite().all().item<bool>().Should().BeTrue("the bf16 weight gradient is finite");
            error.Should().BeLessThan((float)GradientTolerance, "the bf16 weight gradient is the float32 one rounded");
            bf16.zero_grad();
            f32.zero_grad();
        }
    }

    [Fact]
    public async Task Bf16TrainingOfARealInceptionI3DStaysFiniteAndTracksFloat32()
    {
        // The smallest clip whose Mixed_4 units see depth 2: T=8 (÷2 at Conv3d_1a, ÷2 at MaxPool3d_4a), 32².
        const int batch = 8, steps = 8;
        var clips = randn(new long[] { batch, 3, 8, 32, 32 }, generator: new Generator(5));
        var labels = arange(batch, dtype: ScalarType.Int64);
        var f32 = await Train(TrainingPrecision.Float32, clips, labels, steps);
        var bf16 = await Train(TrainingPrecision.BFloat16Mixed, clips, labels, steps);
        output.WriteLine($"float32: {string.Join(" ", f32.Losses.Select(l => l.ToString("F4")))}");
        output.WriteLine($"bf16:    {string.Join(" ", bf16.Losses.Select(l => l.ToString("F4")))}");

        bf16.Losses.Should().HaveCount(steps).And.OnlyContain(l => double.IsFinite(l), "no bf16 step is non-finite");
        bf16.FiniteParameters.Should().BeTrue("every float32 master stays finite");
        bf16.Losses.TakeLast(3).Average().Should().BeLessThan(0.6 * bf16.Losses.Take(3).Average(), "the model memorises the batch");
        f32.Losses.TakeLast(3).Average().Should().BeLessThan(0.6 * f32.Losses.Take(3).Average());
        var first = Math.Abs(bf16.Losses[0] - f32.Losses[0]) / f32.Losses[0];
        var curve = bf16.Losses.Zip(f32.Losses, (a, b) => Math.Abs(a - b)).Max() / f32.Losses[0];
        output.WriteLine($"|Δloss| / first float32 loss: step 1 {first:G3}, max over the steps {curve:G3}");
        first.Should().BeLessThan(FirstStepTolerance, "step 1 differs by bf16 rounding only");
        curve.Should().BeLessThan(CurveTolerance, "the bf16 run follows the float32 run from the same weights");
        clips.Dispose();
        labels.Dispose();
    }

    private static async Task<(double[] Losses, bool FiniteParameters)> Train(TrainingPrecision precision, Tensor clips, Tensor labels, int steps)
    {
        using (random.manual_seed(3)) { }
        // No dropout: bf16 draws its masks on bf16 tensors, so with dropout the two runs would differ by more than rounding.
        using var model = new InceptionI3D((int)labels.shape[0], options: new InceptionI3DOptions { DropoutProbability = 0 });
        var options = new TrainingOptions
        {
            Epochs = 1, Seed = 1, Device = TestDevice.Name, LogEverySteps = 0, Precision = precision,
            Optimizer = { LearningRate = 0.001, Momentum = 0.9, WeightDecay = 0 },
        };
        var names = Enumerable.Range(0, (int)labels.shape[0]).Select(i => $"class{i}").ToArray();
        var source = new FixedBatchSource(names, Enumerable.Repeat<Func<ClipBatch>>(
            () => new ClipBatch(clips.clone(), null, labels.clone(), Enumerable.Range(0, names.Length).ToArray()), steps).ToArray());
        var losses = new List<double>();
        await new I3DTrainer(ClassifierAdapter.Rgb(model), options).FitAsync(source, progress: new InlineProgress(p => losses.Add(p.Loss)));
        var finite = model.parameters().All(p => p.isfinite().all().item<bool>());
        return (losses.ToArray(), finite);
    }

    /// <summary>Reports on the training thread, so every step's loss is in before FitAsync returns.</summary>
    private sealed class InlineProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
