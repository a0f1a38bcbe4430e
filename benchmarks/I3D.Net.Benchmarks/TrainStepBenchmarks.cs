using BenchmarkDotNet.Attributes;
using I3D.Net.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Benchmarks;

/// <summary>Forward, backward and a whole SGD (momentum 0.9) train step of the RGB model; clips/s = Batch / time.</summary>
[MemoryDiagnoser]
public class TrainStepBenchmarks
{
    private InceptionI3D model = null!;
    private optim.Optimizer optimizer = null!;
    private Tensor clip = null!;
    private Tensor labels = null!;

    /// <summary>Clips per batch.</summary>
    [Params(1)]
    public int Batch { get; set; }

    /// <summary>Frames per clip.</summary>
    [Params(16)]
    public int Frames { get; set; }

    /// <summary>Crop size.</summary>
    [Params(112)]
    public int Size { get; set; }

    /// <summary>Builds the model (on the benchmark device, then the optimizer) and a batch.</summary>
    [GlobalSetup]
    public void Setup()
    {
        model = new InceptionI3D(400, 3, device: BenchDevice.Device);
        model.train();
        optimizer = optim.SGD(model.parameters(), 0.01, momentum: 0.9);
        clip = Workloads.Clip(Batch, Frames, Size);
        labels = randint(0, 400, new[] { (long)Batch }, device: BenchDevice.Device);
        Step();
    }

    /// <summary>Forward pass with autograd recording.</summary>
    [Benchmark]
    public long Forward()
    {
        using var scope = NewDisposeScope();
        var logits = model.forward(clip);
        BenchDevice.Synchronize();
        return logits.shape[1];
    }

    /// <summary>Forward and backward.</summary>
    [Benchmark]
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.cross_entropy(model.forward(clip), labels).backward();
        BenchDevice.Synchronize();
    }

    /// <summary>Forward, backward and the optimizer step.</summary>
    [Benchmark]
    public void Step()
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        nn.functional.cross_entropy(model.forward(clip), labels).backward();
        optimizer.step();
        BenchDevice.Synchronize();
    }

    /// <summary>Releases the model.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        model.Dispose();
        clip.Dispose();
        labels.Dispose();
    }
}
