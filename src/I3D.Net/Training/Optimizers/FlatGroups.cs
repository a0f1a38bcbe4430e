using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Training.Optimizers;

/// <summary>
/// What the flat-buffer optimizers share: one <see cref="FlatParameterBuffer"/> per parameter group, zeroing the
/// gradients in one call, slicing the update for the CPU, and moving optimizer state between the flat buffers and the
/// per-parameter states that TorchSharp's save and load read and write.
/// </summary>
internal sealed class FlatGroups : IDisposable
{
    /// <summary>Elements per slice of a CPU update: 256 KiB of float32 per buffer, so a slice of values, gradients and
    /// up to two state buffers stays in a 1 MiB L2 cache across its ops.</summary>
    internal const long CpuSliceElements = 1 << 16;

    private readonly List<(ParamGroup Group, FlatParameterBuffer Buffer)> _groups = [];

    /// <summary>Flattens each group; a parameter may appear once in all groups.</summary>
    public FlatGroups(IEnumerable<ParamGroup> groups, string optimizer)
    {
        var list = groups.ToList();
        var seen = new HashSet<IntPtr>();
        foreach (var p in list.SelectMany(g => g.Parameters))
            if (!seen.Add(p.Handle))
                throw new ArgumentException($"A parameter of shape [{string.Join(", ", p.shape)}] appears twice in the groups of {optimizer}; each may be flattened once.", nameof(groups));
        try
        {
            foreach (var g in list) _groups.Add((g, new FlatParameterBuffer(g.Parameters.ToList())));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The flat buffer of <paramref name="group"/>.</summary>
    public FlatParameterBuffer this[ParamGroup group] => _groups.First(g => ReferenceEquals(g.Group, group)).Buffer;

    /// <summary>The groups with their buffers, in group order.</summary>
    public IReadOnlyList<(ParamGroup Group, FlatParameterBuffer Buffer)> Groups => _groups;

    /// <summary>Zeroes every gradient in place (never to null: backward accumulates into the flat views).</summary>
    public void ZeroGrad()
    {
        using var noGrad = no_grad();
        foreach (var (_, buffer) in _groups) buffer.Grad.zero_();
    }

    /// <summary>
    /// Calls <paramref name="update"/> with (start, length) over <paramref name="buffer"/>: once for the whole buffer on
    /// a GPU, where kernel launches cost and bytes do not; in cache-sized slices on the CPU, where streaming the whole
    /// buffer once per op would cost more than the per-tensor optimizer's small, cache-resident ops.
    /// </summary>
    public static void ForEachSlice(FlatParameterBuffer buffer, Action<long, long> update)
    {
        var total = buffer.Data.numel();
        var slice = buffer.Data.device_type == DeviceType.CPU ? CpuSliceElements : total;
        for (long start = 0; start < total; start += slice)
        {
            using var scope = NewDisposeScope();
            update(start, Math.Min(slice, total - start));
        }
    }

    /// <summary>A contiguous copy of one parameter's part of a flat state buffer, in the parameter's shape (what
    /// TorchSharp's state serialisation can write).</summary>
    public static Tensor Export(Tensor flatState, long offset, Parameter p) =>
        FlatParameterBuffer.ViewLike(flatState, offset, p).contiguous().clone().DetachFromDisposeScope();

    /// <summary>Copies a per-parameter state tensor into its part of a flat state buffer.</summary>
    public static void Import(Tensor flatState, long offset, Parameter p, Tensor state)
    {
        using var noGrad = no_grad();
        using var view = FlatParameterBuffer.ViewLike(flatState, offset, p);
        view.copy_(state);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (_, buffer) in _groups) buffer.Dispose();
        _groups.Clear();
    }
}
