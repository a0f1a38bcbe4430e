using TorchSharp.Modules;
using static TorchSharp.torch;
using AnyParamGroup = TorchSharp.Modules.ParamGroup;

namespace I3D.Net.Training.Optimizers;

/// <summary>
/// TorchSharp's <see cref="SGD"/>, computed on one flat buffer per parameter group (<see cref="FlatParameterBuffer"/>):
/// on a GPU a step is 2–4 whole-buffer kernels per group instead of 3–4 per parameter, and <see cref="zero_grad"/> is
/// one (on the CPU the step goes slice by slice, so that each slice stays in cache across its ops).
/// The arithmetic is element for element <see cref="SGD"/>'s, in the same order, and the tests find the same bits.
/// The momentum lives in a flat buffer too; <see cref="state_dict"/> (which save and load go through) exposes it
/// as SGD's per-parameter states, and the next <see cref="step"/> takes whatever a load wrote there.
/// One difference: gradients are never null, so a parameter that took no part in a backward is still moved by
/// momentum and weight decay, where SGD skips it; every I3D parameter takes part in every backward.
/// </summary>
public sealed class FlatSgd : SGD
{
    private readonly FlatGroups _flat;
    private readonly Dictionary<AnyParamGroup, Tensor?> _momentum = new(ReferenceEqualityComparer.Instance);
    private bool _exported;

    /// <summary>Creates the optimizer over one group of parameters and flattens them.</summary>
    /// <param name="parameters">The parameters; one dtype on one device. Create the optimizer after <c>module.to(...)</c>.</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="momentum">Momentum factor (0: plain SGD).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient.</param>
    /// <param name="nesterov">Nesterov momentum.</param>
    public FlatSgd(IEnumerable<Parameter> parameters, double lr, double momentum = 0, double weightDecay = 0, bool nesterov = false)
        : this([new ParamGroup(parameters, lr, momentum, 0, weightDecay, nesterov)], lr, momentum, weightDecay, nesterov)
    {
    }

    /// <summary>Creates the optimizer over parameter groups (each with its own options) and flattens each group.</summary>
    /// <param name="groups">The groups; each group's parameters share one dtype and device.</param>
    /// <param name="lr">Default learning rate for groups that set none.</param>
    /// <param name="momentum">Default momentum.</param>
    /// <param name="weightDecay">Default weight decay.</param>
    /// <param name="nesterov">Default Nesterov setting.</param>
    public FlatSgd(IReadOnlyList<ParamGroup> groups, double lr, double momentum = 0, double weightDecay = 0, bool nesterov = false)
        : base(groups, lr, momentum, 0, weightDecay, nesterov)
    {
        if (groups.Any(g => ((Options)g.Options).maximize == true))
            throw new ArgumentException("FlatSgd does not maximize; negate the loss instead.", nameof(groups));
        _flat = new FlatGroups(groups, nameof(FlatSgd));
        foreach (var g in groups) _momentum[g] = null;
    }

    /// <inheritdoc />
    public override Tensor step(Func<Tensor>? closure = null)
    {
        ImportStates();
        return _step<ParamGroup>(group =>
        {
            var flat = _flat[group];
            flat.EnsureIntact();
            var o = (Options)group.Options;
            // The first step starts the momentum from the gradient, as SGD does.
            var first = _momentum[group] is null && o.momentum!.Value != 0;
            if (first) _momentum[group] = zeros_like(flat.Data).DetachFromDisposeScope();
            var buffer = _momentum[group];
            FlatGroups.ForEachSlice(flat, (start, length) =>
                Update(o, flat.Data.narrow(0, start, length), flat.Grad.narrow(0, start, length), buffer?.narrow(0, start, length), first));
        }, closure);
    }

    /// <summary>SGD's update on one slice, op for op as TorchSharp's <see cref="SGD"/> does it per parameter.</summary>
    private static void Update(Options o, Tensor data, Tensor grad, Tensor? momentumBuffer, bool first)
    {
        var momentum = o.momentum!.Value;
        var weightDecay = o.weight_decay!.Value;
        var d = grad;
        if (weightDecay != 0) d = d.add(data, alpha: weightDecay);
        if (momentum != 0)
        {
            if (first) momentumBuffer!.copy_(d);
            else momentumBuffer!.mul_(momentum).add_(d, alpha: 1 - o.dampening!.Value);
            d = o.nesterov!.Value ? d.add(momentumBuffer, alpha: momentum) : momentumBuffer;
        }
        data.add_(d, alpha: -o.LearningRate!.Value);
    }

    /// <inheritdoc />
    public override void zero_grad() => _flat.ZeroGrad();

    /// <summary>
    /// SGD's per-parameter states, holding contiguous copies of the flat momentum (null before the first step), so
    /// that saving writes them and loading writes into them; the next <see cref="step"/> reads them back.
    /// </summary>
    public override StateDictionary state_dict()
    {
        ImportStates();
        foreach (var (group, buffer) in _flat.Groups)
            foreach (var (p, offset) in buffer.Parameters)
            {
                var state = (State)_state[p.Handle];
                state.momentum_buffer?.Dispose();
                state.momentum_buffer = _momentum[group] is { } m ? FlatGroups.Export(m, offset, p) : null;
            }
        _exported = true;
        return base.state_dict();
    }

    /// <summary>After <see cref="state_dict"/>: takes the states (as saved, or as a load left them) into the flat momentum.</summary>
    private void ImportStates()
    {
        if (!_exported) return;
        foreach (var (group, buffer) in _flat.Groups)
        {
            var states = buffer.Parameters.Select(x => (x.Parameter, x.Offset, State: (State)_state[x.Parameter.Handle])).ToList();
            var present = states.Count(s => s.State.momentum_buffer is not null);
            if (present != 0 && present != states.Count)
                throw new InvalidOperationException(
                    $"The loaded SGD state has momentum for {present} of the {states.Count} parameters of a group; a flat buffer needs all or none.");
            if (present == 0)
            {
                _momentum[group]?.Dispose();
                _momentum[group] = null;
            }
            else
            {
                var m = _momentum[group] ??= zeros_like(buffer.Data).DetachFromDisposeScope();
                foreach (var (p, offset, state) in states) FlatGroups.Import(m, offset, p, state.momentum_buffer!);
            }
            foreach (var (_, _, state) in states)
            {
                state.momentum_buffer?.Dispose();
                state.momentum_buffer = null;
            }
        }
        _exported = false;
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _flat.Dispose();
            foreach (var m in _momentum.Values) m?.Dispose();
        }
        base.Dispose(disposing);
    }
}
