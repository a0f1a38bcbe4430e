using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>Whole-model inference (eval, no grad) on one clip batch; clips/s = Batch / mean time.
/// CPU default: 1×3×16×224² (the CPU workload); set I3D_BENCH_DEVICE=cuda for the GPU.</summary>
[MemoryDiagnoser]
public class InferenceBenchmarks
{
    private nn.Module<Tensor, Tensor> model = null!;
    private Tensor clip = null!;

    /// <summary>The model variant.</summary>
    [Params(ModelVariant.NaivePort, ModelVariant.Plain, ModelVariant.PlainFused, ModelVariant.Frozen, ModelVariant.FrozenChannelsLast)]
    public ModelVariant Variant { get; set; }

    /// <summary>Clips per batch.</summary>
    [Params(1)]
    public int Batch { get; set; }

    /// <summary>Frames per clip.</summary>
    [Params(16)]
    public int Frames { get; set; }

    /// <summary>Builds the model and the clip.</summary>
    [GlobalSetup]
    public void Setup()
    {
        model = Workloads.InferenceModel(Variant);
        clip = Workloads.Clip(Batch, Frames, 224);
        Forward();
    }

    /// <summary>One forward pass, synchronised.</summary>
    [Benchmark]
    public float Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.forward(clip);
        BenchDevice.Synchronize();
        return logits.shape[1];
    }

    /// <summary>Releases the model.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        model.Dispose();
        clip.Dispose();
    }
}
