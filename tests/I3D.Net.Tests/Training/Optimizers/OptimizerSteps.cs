using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Training.Optimizers;

/// <summary>
/// A fixed batch and reproducible train steps for comparing optimizers: step <c>i</c> seeds the global generator with
/// <c>100 + i</c>, so two runs (or a run resumed at step <c>i</c>) draw the same dropout masks.
/// </summary>
internal sealed class OptimizerSteps : IDisposable
{
    // Made without touching the global generator, so it does not matter when a test class creates it.
    public Tensor Clips { get; } = randn(new long[] { 4, 3, 4, 8, 8 }, generator: new Generator(7)).DetachFromDisposeScope();

    public Tensor Labels { get; } = tensor(new long[] { 0, 3, 1, 2 }).DetachFromDisposeScope();

    /// <summary>Forward and backward on the batch (no step).</summary>
    public void Backward(nn.Module<Tensor, Tensor> model)
    {
        using var scope = NewDisposeScope();
        nn.functional.cross_entropy(model.forward(Clips), Labels).backward();
    }

    /// <summary>Train steps <paramref name="from"/> … <paramref name="to"/> − 1.</summary>
    public void Run(nn.Module<Tensor, Tensor> model, optim.Optimizer optimizer, int from, int to)
    {
        model.train();
        for (var i = from; i < to; i++)
        {
            using var scope = NewDisposeScope();
            using (random.manual_seed(100 + i)) { }
            optimizer.zero_grad();
            Backward(model);
            optimizer.step();
        }
    }

    /// <summary>Copies every parameter and buffer of <paramref name="source"/> into <paramref name="target"/>.</summary>
    public static void CopyState(nn.Module source, nn.Module target)
    {
        using var noGrad = no_grad();
        var parameters = source.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in target.named_parameters()) p.copy_(parameters[name]);
        var buffers = source.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        foreach (var (name, b) in target.named_buffers()) b.copy_(buffers[name]);
    }

    public void Dispose()
    {
        Clips.Dispose();
        Labels.Dispose();
    }
}
