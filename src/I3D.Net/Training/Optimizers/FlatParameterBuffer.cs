using TorchSharp.Modules;
using static TorchSharp.torch;

namespace I3D.Net.Training.Optimizers;

/// <summary>
/// Rebinds a list of parameters, and their gradients, as views into one contiguous buffer each, so an optimizer can
/// update them all with a few whole-buffer kernels instead of several small ones per parameter (I3D has ~230
/// trainable tensors; on a GPU the per-tensor launches, not the arithmetic, bound the optimizer step).
/// Each view keeps its parameter's shape and memory format (NDHWC weights stay NDHWC), and the values are copied,
/// so the model computes exactly what it did before. Backward accumulates into existing gradients in place, so the
/// gradients stay views as long as they are zeroed rather than set to null.
/// </summary>
internal sealed class FlatParameterBuffer : IDisposable
{
    private readonly List<(Parameter Parameter, long Offset)> _parameters = [];

    /// <summary>Flattens <paramref name="parameters"/>; they must share one dtype and device.</summary>
    public FlatParameterBuffer(IReadOnlyList<Parameter> parameters)
    {
        if (parameters.Count == 0) throw new ArgumentException("A flat buffer needs at least one parameter.", nameof(parameters));
        var first = parameters[0];
        foreach (var p in parameters)
        {
            if (p.dtype != first.dtype || p.device_type != first.device_type || p.device_index != first.device_index)
                throw new ArgumentException(
                    $"A flat buffer holds one dtype on one device: expected {first.dtype} on {first.device}, found {p.dtype} on {p.device}.",
                    nameof(parameters));
        }
        var total = parameters.Sum(p => p.numel());
        Data = empty(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        Grad = zeros(total, dtype: first.dtype, device: first.device).DetachFromDisposeScope();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        long offset = 0;
        foreach (var p in parameters)
        {
            var data = ViewLike(Data, offset, p);
            data.copy_(p);
            p.set_(data);
            var grad = ViewLike(Grad, offset, p);
            using (var existing = p.grad)
                if (existing is not null) grad.copy_(existing);
            p.grad = grad;
            _parameters.Add((p, offset));
            offset += p.numel();
        }
    }

    /// <summary>All parameter values, in parameter order.</summary>
    public Tensor Data { get; }

    /// <summary>All gradients, in parameter order.</summary>
    public Tensor Grad { get; }

    /// <summary>The parameters and their element offsets in <see cref="Data"/> and <see cref="Grad"/>.</summary>
    public IReadOnlyList<(Parameter Parameter, long Offset)> Parameters => _parameters;

    /// <summary>
    /// Throws where a parameter or gradient no longer lives in the buffers. Anything that replaces a parameter
    /// (<c>module.to(device)</c>, a load that assigns instead of copying) or a gradient (<c>grad = null</c>) breaks
    /// the binding, and an optimizer step on the buffers would then miss those tensors.
    /// </summary>
    public void EnsureIntact()
    {
        // TorchSharp exposes no data pointer; the storage offset is unique per view in the buffer (but the first).
        foreach (var (p, offset) in _parameters)
        {
            using var g = p.grad;
            if (p.storage_offset() != offset)
                throw new InvalidOperationException(
                    $"A parameter of shape [{string.Join(", ", p.shape)}] no longer lives in the optimizer's flat buffer (was the module moved or its parameters replaced after the optimizer was created?). Create the optimizer after module.to(...).");
            if (g is null || g.storage_offset() != offset)
                throw new InvalidOperationException(
                    $"The gradient of a parameter of shape [{string.Join(", ", p.shape)}] was replaced or set to null; with a flat-buffer optimizer, clear gradients with optimizer.zero_grad(), which zeroes them in place.");
        }
    }

    /// <summary>
    /// A view of <paramref name="flat"/>[offset, offset + numel) with <paramref name="like"/>'s shape and the same
    /// order of strides (its memory format).
    /// </summary>
    public static Tensor ViewLike(Tensor flat, long offset, Tensor like)
    {
        // Outermost dim first, as the parameter lays them out (ties are size-1 dims, whose order does not matter).
        var dims = Enumerable.Range(0, (int)like.ndim).OrderByDescending(d => like.stride(d)).ThenBy(d => d).ToArray();
        var chunk = flat.narrow(0, offset, like.numel()).view(dims.Select(d => like.shape[d]).ToArray());
        var inverse = new long[dims.Length];
        for (var i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
        return chunk.permute(inverse);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Data.Dispose();
        Grad.Dispose();
    }
}
