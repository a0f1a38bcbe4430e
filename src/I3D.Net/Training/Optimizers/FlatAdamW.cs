using TorchSharp.Modules;
using static TorchSharp.torch;
using AnyParamGroup = TorchSharp.Modules.ParamGroup;

namespace I3D.Net.Training.Optimizers;

/// <summary>
/// TorchSharp's <see cref="AdamW"/>, computed on one flat buffer per parameter group (see <see cref="FlatSgd"/>): on a
/// GPU a step is about ten whole-buffer kernels per group instead of about ten per parameter. Same arithmetic in the
/// same order as <see cref="AdamW"/>; the moment estimates live in flat buffers, and <see cref="state_dict"/> exposes
/// them as AdamW's per-parameter states (with the group's step count) for save and load. Gradients are never null,
/// so every parameter of a group advances one step per <see cref="step"/>. No <c>amsgrad</c>, no <c>maximize</c>.
/// </summary>
public sealed class FlatAdamW : AdamW
{
    private readonly FlatGroups _flat;
    private readonly Dictionary<AnyParamGroup, Moments> _moments = new(ReferenceEqualityComparer.Instance);
    private bool _exported;

    /// <summary>Creates the optimizer over parameter groups (each with its own options) and flattens each group.</summary>
    /// <param name="groups">The groups; each group's parameters share one dtype and device.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="beta1">Default β1.</param>
    /// <param name="beta2">Default β2.</param>
    /// <param name="eps">Default ε.</param>
    /// <param name="weightDecay">Default decoupled weight decay.</param>
    public FlatAdamW(IReadOnlyList<ParamGroup> groups, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8, double weightDecay = 0)
        : base(groups, lr, beta1, beta2, eps, weightDecay)
    {
        if (groups.Any(g => ((Options)g.Options).amsgrad == true || ((Options)g.Options).maximize == true))
            throw new ArgumentException("FlatAdamW implements neither amsgrad nor maximize; use AdamW for those.", nameof(groups));
        _flat = new FlatGroups(groups, nameof(FlatAdamW));
        foreach (var (group, buffer) in _flat.Groups)
        {
            _moments[group] = new Moments(buffer.Data);
            // AdamW made zero states per parameter; the flat buffers replace them (they come back on state_dict()).
            foreach (var (p, _) in buffer.Parameters)
            {
                var state = (State)_state[p.Handle];
                state.exp_avg.Dispose();
                state.exp_avg_sq.Dispose();
                (state.exp_avg, state.exp_avg_sq) = (Placeholder(), Placeholder());
            }
        }
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
            var moments = _moments[group];
            moments.Step += 1;
            // As AdamW computes them per parameter, from the (shared) step count.
            var biasCorrection1 = 1 - Math.Pow(o.beta1!.Value, moments.Step);
            var biasCorrection2 = 1 - Math.Pow(o.beta2!.Value, moments.Step);
            FlatGroups.ForEachSlice(flat, (start, length) =>
            {
                var param = flat.Data.narrow(0, start, length);
                var grad = flat.Grad.narrow(0, start, length);
                var expAvg = moments.ExpAvg.narrow(0, start, length);
                var expAvgSq = moments.ExpAvgSq.narrow(0, start, length);
                var lr = o.LearningRate!.Value;
                param.mul_(1 - lr * o.weight_decay!.Value);
                expAvg.mul_(o.beta1.Value).add_(grad, alpha: 1 - o.beta1.Value);
                expAvgSq.mul_(o.beta2.Value).addcmul_(grad, grad, value: 1 - o.beta2.Value);
                var denom = (expAvgSq.sqrt() / Math.Sqrt(biasCorrection2)).add_(o.eps!.Value);
                param.addcdiv_(expAvg, denom, value: -(lr / biasCorrection1));
            });
        }, closure);
    }

    /// <inheritdoc />
    public override void zero_grad() => _flat.ZeroGrad();

    /// <summary>
    /// AdamW's per-parameter states, holding the group's step count and contiguous copies of the flat moments, so
    /// that saving writes them and loading writes into them; the next <see cref="step"/> reads them back.
    /// </summary>
    public override StateDictionary state_dict()
    {
        ImportStates();
        foreach (var (group, buffer) in _flat.Groups)
        {
            var moments = _moments[group];
            foreach (var (p, offset) in buffer.Parameters)
            {
                var state = (State)_state[p.Handle];
                state.exp_avg.Dispose();
                state.exp_avg_sq.Dispose();
                state.step = moments.Step;
                state.exp_avg = FlatGroups.Export(moments.ExpAvg, offset, p);
                state.exp_avg_sq = FlatGroups.Export(moments.ExpAvgSq, offset, p);
            }
        }
        _exported = true;
        return base.state_dict();
    }

    /// <summary>After <see cref="state_dict"/>: takes the states (as saved, or as a load left them) into the flat moments.</summary>
    private void ImportStates()
    {
        if (!_exported) return;
        foreach (var (group, buffer) in _flat.Groups)
        {
            var moments = _moments[group];
            var states = buffer.Parameters.Select(x => (x.Parameter, x.Offset, State: (State)_state[x.Parameter.Handle])).ToList();
            var steps = states.Select(s => s.State.step).Distinct().ToList();
            if (steps.Count != 1)
                throw new InvalidOperationException(
                    $"The loaded AdamW state has parameters at different steps ({string.Join(", ", steps)}) in one group; a flat buffer steps them together.");
            moments.Step = steps[0];
            foreach (var (p, offset, state) in states)
            {
                FlatGroups.Import(moments.ExpAvg, offset, p, state.exp_avg);
                FlatGroups.Import(moments.ExpAvgSq, offset, p, state.exp_avg_sq);
                state.exp_avg.Dispose();
                state.exp_avg_sq.Dispose();
                (state.exp_avg, state.exp_avg_sq) = (Placeholder(), Placeholder());
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
            foreach (var m in _moments.Values) m.Dispose();
        }
        base.Dispose(disposing);
    }

    // AdamW's state disposes and serialises its tensors, so they may not be null; between state_dict() calls the
    // moments live in the flat buffers and the states hold empty stand-ins.
    private static Tensor Placeholder() => empty(0).DetachFromDisposeScope();

    /// <summary>A group's first and second moment estimates and its step count.</summary>
    private sealed class Moments(Tensor like) : IDisposable
    {
        public Tensor ExpAvg { get; } = zeros_like(like).DetachFromDisposeScope();
        public Tensor ExpAvgSq { get; } = zeros_like(like).DetachFromDisposeScope();
        public long Step { get; set; }

        public void Dispose()
        {
            ExpAvg.Dispose();
            ExpAvgSq.Dispose();
        }
    }
}
