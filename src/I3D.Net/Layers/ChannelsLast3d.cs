using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Layers;

/// <summary>
/// The channels-last-3d memory format (NDHWC strides under the logical NCDHW shape), which cuDNN's fastest 3D
/// convolutions use on recent GPUs. TorchSharp 0.107 has no <c>channels_last_3d</c> value, so the layout is made
/// by a permuted copy; every libtorch op then sees the same shape and keeps the format of its input.
/// </summary>
public static class ChannelsLast3d
{
    /// <summary>A copy of a 5-D tensor in NDHWC strides (same shape and values); other ranks are returned as they are.</summary>
    /// <param name="x">A tensor, typically <c>[N, C, D, H, W]</c>.</param>
    public static Tensor Apply(Tensor x) =>
        x.ndim == 5 ? x.permute(0, 2, 3, 4, 1).contiguous().permute(0, 4, 1, 2, 3) : x.alias();

    /// <summary>Whether a 5-D tensor is laid out NDHWC (channels innermost, then width, height, depth, batch).</summary>
    /// <param name="x">A 5-D tensor.</param>
    public static bool IsApplied(Tensor x)
    {
        if (x.ndim != 5) return false;
        // Strides descending in the order N, D, H, W, C; size-1 dims can take any stride.
        long expected = 1;
        foreach (var d in new[] { 1, 4, 3, 2, 0 })
        {
            if (x.shape[d] != 1 && x.stride(d) != expected) return false;
            expected *= x.shape[d];
        }
        return true;
    }

    /// <summary>
    /// A channel slice (<c>narrow</c>/<c>split</c> along dim 1) of an NDHWC tensor is dense in no layout, and
    /// convolutions then take a slow path: such a slice comes back as a dense NDHWC copy; anything else as it is.
    /// </summary>
    /// <param name="slice">A 5-D tensor, typically a channel range of a block's activations.</param>
    public static Tensor DenseChannelSlice(Tensor slice) =>
        slice.ndim == 5 && slice.stride(1) == 1 && !IsApplied(slice) ? Apply(slice) : slice;

    /// <summary>
    /// Rewrites every 5-D parameter of <paramref name="module"/> (convolution weights) in place into NDHWC strides.
    /// The <see cref="nn.Parameter"/> objects stay the same, so an optimizer created before still holds them, but
    /// create it after this call anyway: flat-buffer optimizers bind the layout they see. Values are unchanged.
    /// </summary>
    /// <param name="module">The model.</param>
    /// <returns>How many parameters were rewritten.</returns>
    public static int ApplyTo(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var count = 0;
        foreach (var p in module.parameters())
        {
            if (p.ndim != 5 || IsApplied(p)) continue;
            p.set_(Apply(p));
            count++;
        }
        return count;
    }
}
