using I3D.Net.Layers;
using I3D.Net.Models;
using I3D.Net.Models.Inference;
using I3D.Net.Tests.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Models;

/// <summary>
/// Issue 14, item 18: disposing a model frees every tensor it owns. <see cref="torch.Tensor.TotalCount"/> is
/// process-wide, so these run in the non-parallel training collection.
/// </summary>
/// <remarks>
/// TorchSharp 0.107's <c>new Parameter(tensor)</c> takes the tensor's native handle without counting the emptied
/// tensor down (<c>Tensor.MoveHandle</c>), so each parameter a module constructor creates leaves
/// <see cref="torch.Tensor.TotalCount"/> one higher for good although nothing is alive: the 173 "live tensors" of a
/// disposed InceptionI3D are its 173 parameters. The tests therefore check that every parameter and buffer is
/// released, and that the count drifts by exactly the parameters created and nothing more.
/// </remarks>
[Collection(TrainingCollection.Name)]
public class ModelDisposalTests
{
    /// <summary>
    /// Creates a module, lets <paramref name="use"/> work with it, disposes it, and returns how far the live-tensor
    /// count drifted beyond the parameters the module created.
    /// </summary>
    private static long DriftBeyondParameters(Func<nn.Module> create, Action<nn.Module>? use = null)
    {
        Settle();
        var before = torch.Tensor.TotalCount;
        var module = create();
        var owned = module.parameters().Cast<Tensor>().Concat(module.buffers()).ToList();
        var parameters = module.parameters().Count();
        use?.Invoke(module);
        module.Dispose();
        owned.Should().OnlyContain(t => t.IsInvalid, "every parameter and buffer is released by Dispose");
        owned.Clear();
        Settle();
        return torch.Tensor.TotalCount - before - parameters;
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    [Fact]
    public void DisposingAnInceptionI3DFreesAllItsTensors()
    {
        DriftBeyondParameters(() => new InceptionI3D(7)).Should().Be(0);
        DriftBeyondParameters(() => new InceptionI3D(7, 2, new InceptionI3DOptions { FinalEndpoint = I3DEndpoint.Mixed_4c })).Should().Be(0);
        DriftBeyondParameters(() => new InceptionI3D(4), m =>
        {
            var model = (InceptionI3D)m;
            model.eval();
            model.FuseReductions = true;
            using var x = randn([1, 3, 8, 32, 32]);
            using var y = model.forward(x);
            y.shape.Should().Equal(1, 4);
        }).Should().Be(0, "a forward pass (fused reductions too) leaves nothing behind but its result");
    }

    [Fact]
    public void ReplacingTheLogitsReleasesTheOldLayer()
    {
        Settle();
        var before = torch.Tensor.TotalCount;
        var model = new InceptionI3D(7);
        var old = model.LogitsLayer!.parameters().ToList();
        model.ReplaceLogits(3);
        old.Should().OnlyContain(p => p.IsInvalid, "the replaced logits layer is disposed");
        var all = model.parameters().ToList();
        model.Dispose();
        all.Should().OnlyContain(p => p.IsInvalid);
        Settle();
        (torch.Tensor.TotalCount - before).Should().Be(173 + 2, "173 parameters and the replacement's weight and bias, nothing else");
    }

    [Fact]
    public void TheCheckCatchesATensorThatDisposeDoesNotRelease()
    {
        var leaked = new List<Tensor>();
        DriftBeyondParameters(() => new Leaky(leaked)).Should().Be(1, "the cached tensor outlives its module");
        leaked.ForEach(t => t.Dispose());
    }

    /// <summary>A module that keeps a tensor where neither Dispose nor the state dict sees it.</summary>
    private sealed class Leaky : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv3d conv = nn.Conv3d(1, 1, 1);

        public Leaky(List<Tensor> cache) : base(nameof(Leaky))
        {
            RegisterComponents();
            cache.Add(ones(2));
        }

        public override Tensor forward(Tensor input) => conv.forward(input);
    }

    [Fact]
    public void DisposingTheOtherModelsFreesAllTheirTensors()
    {
        DriftBeyondParameters(() => new TwoStreamI3D(5)).Should().Be(0);
        DriftBeyondParameters(() => new Inception3DBlock(192, InceptionBranchWidths.FromArray([64, 96, 128, 16, 32, 32]))).Should().Be(0);

        using var source = new InceptionI3D(6);
        source.eval();
        // Freezing folds BatchNorm into new buffers; the frozen model owns them.
        DriftBeyondParameters(() => FrozenInceptionI3D.Freeze(source), m =>
        {
            using var x = randn([1, 3, 8, 32, 32]);
            using var y = ((FrozenInceptionI3D)m).forward(x);
        }).Should().Be(0);
    }
}
