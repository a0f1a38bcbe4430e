using System.Collections.Concurrent;
using static TorchSharp.torch;

namespace I3D.Net.Flow;

/// <summary>
/// The median of every k×k window as a network of element-wise <c>minimum</c>/<c>maximum</c> over whole shifted
/// images: Batcher's odd–even merge sort on the next power of two above k², its extra inputs taken as +∞ (comparisons
/// with them only relabel wires) and every comparison that does not feed the middle output dropped. For 5×5 that is
/// 202 min/max passes, about 4× faster on the CPU than copying the windows out and selecting per pixel, with the same
/// values (min and max are exact).
/// </summary>
internal sealed class MedianNetwork
{
    private static readonly ConcurrentDictionary<int, MedianNetwork> Cache = new();

    // Nodes in evaluation order: a leaf reads window offset Left (row-major in the k×k window); Min/Max combine two
    // earlier nodes. LastUse lets evaluation release each intermediate image after its last reader.
    private readonly (NodeKind Kind, int Left, int Right)[] _nodes;
    private readonly int[] _lastUse;

    private enum NodeKind { Leaf, Min, Max }

    private MedianNetwork(int size)
    {
        Size = size;
        int count = size * size, wires = 1;
        while (wires < count) wires <<= 1;

        // Symbolic run: each wire holds a node id, or -1 for +∞ (the padding inputs).
        var nodes = new List<(NodeKind Kind, int Left, int Right)>();
        var wire = new int[wires];
        for (var i = 0; i < wires; i++)
        {
            wire[i] = i < count ? nodes.Count : -1;
            if (i < count) nodes.Add((NodeKind.Leaf, i, -1));
        }
        foreach (var (a, b) in BatcherComparators(wires))
        {
            int low = wire[a], high = wire[b];
            if (high < 0) continue;                                   // min(x, ∞) = x stays low, ∞ stays high
            if (low < 0) { (wire[a], wire[b]) = (high, low); continue; } // ∞ on the low wire: a relabelling
            wire[a] = nodes.Count; nodes.Add((NodeKind.Min, low, high));
            wire[b] = nodes.Count; nodes.Add((NodeKind.Max, low, high));
        }

        // Keep what the median depends on, renumbered in the original (topological) order.
        var needed = new bool[nodes.Count];
        var pending = new Stack<int>([wire[count / 2]]);
        while (pending.TryPop(out var id))
        {
            if (needed[id]) continue;
            needed[id] = true;
            if (nodes[id].Kind != NodeKind.Leaf) { pending.Push(nodes[id].Left); pending.Push(nodes[id].Right); }
        }
        var index = new int[nodes.Count];
        var kept = new List<(NodeKind Kind, int Left, int Right)>();
        for (var id = 0; id < nodes.Count; id++)
        {
            if (!needed[id]) continue;
            var (kind, left, right) = nodes[id];
            index[id] = kept.Count;
            kept.Add(kind == NodeKind.Leaf ? (kind, left, -1) : (kind, index[left], index[right]));
        }
        _nodes = [.. kept];
        _lastUse = new int[_nodes.Length];
        for (var i = 0; i < _nodes.Length; i++)
            if (_nodes[i].Kind != NodeKind.Leaf)
                _lastUse[_nodes[i].Left] = _lastUse[_nodes[i].Right] = i;
    }

    /// <summary>Window side.</summary>
    public int Size { get; }

    /// <summary>Element-wise min/max passes per evaluation.</summary>
    public int Operations => _nodes.Count(n => n.Kind != NodeKind.Leaf);

    /// <summary>The network for <paramref name="size"/>×<paramref name="size"/> windows (built once per size).</summary>
    public static MedianNetwork For(int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        return Cache.GetOrAdd(size, s => new MedianNetwork(s));
    }

    /// <summary>The median of each window of <paramref name="padded"/> <c>[..., H + k - 1, W + k - 1]</c>: <c>[..., H, W]</c>.</summary>
    public Tensor Apply(Tensor padded)
    {
        long h = padded.shape[^2] - Size + 1, w = padded.shape[^1] - Size + 1;
        int rows = (int)padded.ndim - 2, cols = (int)padded.ndim - 1;
        var values = new Tensor?[_nodes.Length];
        using var scope = NewDisposeScope();
        for (var i = 0; i < _nodes.Length; i++)
        {
            var (kind, left, right) = _nodes[i];
            values[i] = kind switch
            {
                NodeKind.Leaf => padded.narrow(rows, left / Size, h).narrow(cols, left % Size, w),
                NodeKind.Min => minimum(values[left]!, values[right]!),
                _ => maximum(values[left]!, values[right]!),
            };
            if (kind == NodeKind.Leaf) continue;
            // Release inputs read for the last time (views of the input cost nothing, images do).
            foreach (var input in new[] { left, right })
                if (_lastUse[input] == i && _nodes[input].Kind != NodeKind.Leaf) { values[input]!.Dispose(); values[input] = null; }
        }
        return values[^1]!.MoveToOuterDisposeScope();
    }

    /// <summary>Batcher's odd–even merge sort on <paramref name="n"/> wires (a power of two), as (low, high) pairs.</summary>
    internal static IEnumerable<(int Low, int High)> BatcherComparators(int n)
    {
        for (var p = 1; p < n; p <<= 1)
            for (var k = p; k >= 1; k >>= 1)
                for (var j = k % p; j <= n - 1 - k; j += 2 * k)
                    for (var i = 0; i <= Math.Min(k - 1, n - j - k - 1); i++)
                        if ((i + j) / (2 * p) == (i + j + k) / (2 * p))
                            yield return (i + j, i + j + k);
    }
}
