using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Training;

/// <summary>
/// The bfloat16 compute copy of a float32 model for <see cref="TrainingPrecision.BFloat16Mixed"/>. TorchSharp has no
/// autocast and cannot change a parameter's type without replacing the <see cref="Parameter"/> the optimizer holds,
/// so the optimizer keeps the model's float32 parameters (the masters) and a second model of the same architecture
/// does the arithmetic: its weights are overwritten from the masters before every forward, its gradients are added to
/// the masters' gradients (in float32) after every backward, and its BatchNorm running statistics are copied back.
/// BatchNorm layers of the copy stay float32 (bfloat16 activations, float32 weights and statistics: libtorch's
/// batch_norm takes mixed types), so the statistics never pass through bfloat16.
/// </summary>
internal sealed class BFloat16ComputeCopy : IDisposable
{
    /// <summary>The compute type of everything but BatchNorm.</summary>
    public const ScalarType ComputeType = ScalarType.BFloat16;

    private readonly List<nn.Module> _ownedModules;
    private readonly List<(Parameter Master, Parameter Compute)> _parameters = [];
    private readonly List<(Parameter Master, Parameter Compute)> _trainable = [];
    private readonly List<(Tensor Master, Tensor Compute)> _buffers = [];
    private readonly List<(Tensor Master, Tensor Compute)> _statistics = [];
    private readonly List<(nn.Module Master, nn.Module Compute)> _modulesByDepth;

    /// <summary>Builds the copy through <see cref="ClassifierAdapter.CreateComputeCopy"/> and moves it to <paramref name="device"/>.</summary>
    /// <param name="master">The model, whose parameters are the masters.</param>
    /// <param name="device">The training device.</param>
    /// <param name="computeType">bfloat16 for training; float32 lets tests check the plumbing exactly.</param>
    public BFloat16ComputeCopy(ClassifierAdapter master, Device device, ScalarType computeType = ComputeType)
    {
        var compute = master.CreateComputeCopy() ?? throw new ArgumentException(
            $"Precision = {nameof(TrainingPrecision.BFloat16Mixed)} needs a compute copy of the model, but the adapter of {master.Module.GetType().Name} makes none. "
            + "Adapters of InceptionI3D and TwoStreamI3D make one; for other modules use adapter.WithComputeCopy(() => ClassifierAdapter.Rgb(new MyModel(...))).");
        if (ReferenceEquals(compute.Module, master.Module))
            throw new ArgumentException("CreateComputeCopy returned the model itself; it must build new modules.");
        Adapter = compute;
        var root = compute.Module;
        _ownedModules = [root, .. root.named_modules().Select(m => m.module)];
        try
        {
            root.to(device, computeType);
            InputType = computeType;
            var computeModules = root.named_modules().ToDictionary(m => m.name, m => m.module);
            foreach (var (_, module) in computeModules)
                if (module is BatchNorm) module.to(ScalarType.Float32);

            var masterParams = master.Module.named_parameters().ToList();
            var computeParams = compute.Module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            CheckSameKeys("parameters", masterParams.Select(p => p.name), computeParams.Keys);
            foreach (var (name, p) in masterParams)
            {
                var c = computeParams[name];
                CheckShape(name, p, c);
                c.requires_grad = p.requires_grad;
                _parameters.Add((p, c));
                if (p.requires_grad) _trainable.Add((p, c));
            }

            var masterBuffers = master.Module.named_buffers().ToList();
            var computeBuffers = compute.Module.named_buffers().ToDictionary(b => b.name, b => b.buffer);
            CheckSameKeys("buffers", masterBuffers.Select(b => b.name), computeBuffers.Keys);
            var statisticPrefixes = computeModules.Where(m => m.Value is BatchNorm).Select(m => m.Key + ".").ToList();
            foreach (var (name, b) in masterBuffers)
            {
                var c = computeBuffers[name];
                CheckShape(name, b, c);
                _buffers.Add((b, c));
                // Only BatchNorm buffers change in a forward; other buffers are treated as constants.
                if (statisticPrefixes.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal))) _statistics.Add((b, c));
            }

            var masterModules = master.Module.named_modules().ToDictionary(m => m.name, m => m.module);
            CheckSameKeys("modules", masterModules.Keys, computeModules.Keys);
            // Parents first: train(bool) recurses into children, so children set later keep their own mode.
            _modulesByDepth = masterModules.OrderBy(m => m.Key.Count(ch => ch == '.'))
                .Select(m => (m.Value, computeModules[m.Key])).Prepend((master.Module, root)).ToList();
            BatchNormCount = statisticPrefixes.Count;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The adapter over the bfloat16 modules; forward passes go through it.</summary>
    public ClassifierAdapter Adapter { get; }

    /// <summary>The type inputs are converted to.</summary>
    public ScalarType InputType { get; private set; }

    /// <summary>Number of BatchNorm layers kept in float32.</summary>
    public int BatchNormCount { get; }

    /// <summary>Converts an input clip tensor for the compute copy.</summary>
    public Tensor PrepareInput(Tensor x, Device device) =>
        is_floating_point(x) ? x.to(InputType, device) : x.to(device);

    /// <summary>Gives every module of the copy the train/eval mode of its master.</summary>
    public void SyncModes()
    {
        foreach (var (m, c) in _modulesByDepth) c.train(m.training);
    }

    /// <summary>Overwrites the copy's parameters and buffers from the masters (rounded to bfloat16 where the copy is).</summary>
    public void Refresh()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (m, c) in _parameters) c.copy_(m);
        foreach (var (m, c) in _buffers) c.copy_(m);
    }

    /// <summary>After a forward: copies the BatchNorm running statistics back to the masters (float32 to float32, exact).</summary>
    public void CopyStatisticsToMasters()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (m, c) in _statistics) m.copy_(c);
    }

    /// <summary>After a backward: adds the copy's gradients to the masters' gradients in float32 and clears the copy's.</summary>
    public void MoveGradientsToMasters()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (m, c) in _trainable)
        {
            var g = c.grad;
            if (g is null) continue;
            var masterGrad = m.grad;
            if (masterGrad is null) m.grad = g.to(m.dtype, m.device);
            else masterGrad.add_(g.to(masterGrad.dtype)); // bfloat16 → float32 is exact; the sum is float32
            c.grad = null;
        }
    }

    public void Dispose()
    {
        foreach (var m in _ownedModules) m.Dispose();
    }

    private static void CheckSameKeys(string what, IEnumerable<string> master, IEnumerable<string> compute)
    {
        var a = master.ToHashSet(StringComparer.Ordinal);
        var b = compute.ToHashSet(StringComparer.Ordinal);
        if (a.SetEquals(b)) return;
        var missing = a.Except(b).FirstOrDefault();
        var extra = b.Except(a).FirstOrDefault();
        throw new ArgumentException(
            $"The compute copy's {what} differ from the model's: " + (missing is not null ? $"'{missing}' is missing" : $"'{extra}' is not in the model")
            + ". CreateComputeCopy must build the same architecture.");
    }

    private static void CheckShape(string key, Tensor master, Tensor compute)
    {
        if (!master.shape.SequenceEqual(compute.shape))
            throw new ArgumentException(
                $"The compute copy's '{key}' has shape [{string.Join(", ", compute.shape)}], the model's [{string.Join(", ", master.shape)}]. CreateComputeCopy must build the same architecture.");
    }
}
