namespace I3D.Net.Weights;

/// <summary>
/// Limits that the weight-file readers (<see cref="PyTorchStateDict"/>, <see cref="TensorFlow.TensorFlowCheckpoint"/>)
/// apply so that a small or corrupt file cannot cost much more memory or time than its size. The defaults fit every
/// genuine checkpoint we know of with a wide margin; raise one only for a file you trust, when its error names it.
/// </summary>
public sealed record WeightsReadOptions
{
    /// <summary>The defaults.</summary>
    public static WeightsReadOptions Default { get; } = new();

    /// <summary>Largest pickle (a zip <c>.pt</c>'s <c>data.pkl</c>) read, in bytes. Default 256 MiB.</summary>
    public long MaxPickleBytes { get; init; } = 256L << 20;

    /// <summary>
    /// Budget for the objects a pickle builds (dicts, lists, tuples, strings, numbers, stack and memo slots), in
    /// estimated bytes. PyTorch's state-dict pickles need about 2.5 KB per tensor, so the default (128 MiB) fits some
    /// 50,000 tensors.
    /// </summary>
    public long MaxPickleObjectBytes { get; init; } = 128L << 20;

    /// <summary>
    /// Whether a tensor may be larger than the storage bytes that back it (a stride-0 or overlapping view, which the
    /// reader copies out in full), and the tensors built from one storage may together exceed
    /// <see cref="MaxStorageReuse"/> times its size. Default <see langword="false"/>: such files are refused, because a
    /// few hundred bytes can otherwise ask for gigabytes.
    /// </summary>
    public bool AllowTensorsLargerThanStorage { get; init; }

    /// <summary>
    /// How many times its own size the tensors built from one storage may hold together (views that share a storage,
    /// e.g. tied weights, each become a copy). Default 8. Not checked when <see cref="AllowTensorsLargerThanStorage"/>.
    /// </summary>
    public int MaxStorageReuse { get; init; } = 8;

    /// <summary>
    /// Largest ratio of a zip entry's uncompressed to compressed size. <c>torch.save</c> stores entries uncompressed
    /// (ratio 1); float data deflates to a ratio near 1. Default 100.
    /// </summary>
    public int MaxZipCompressionRatio { get; init; } = 100;

    /// <summary>Largest TensorFlow <c>.index</c> file read, in bytes. Default 256 MiB.</summary>
    public long MaxIndexBytes { get; init; } = 256L << 20;

    /// <summary>Longest key (variable name) in a TensorFlow <c>.index</c> file, in bytes. Default 4096.</summary>
    public int MaxIndexKeyBytes { get; init; } = 4096;

    /// <summary>
    /// Total bytes of all keys of a TensorFlow <c>.index</c> file, after prefix decompression, counting 256 bytes of
    /// bookkeeping per entry. Default 64 MiB (about 250,000 variables; real checkpoints have hundreds to thousands).
    /// </summary>
    public long MaxIndexTotalKeyBytes { get; init; } = 64L << 20;

    /// <summary>Throws <see cref="ArgumentException"/> listing every limit that is not positive; with one problem, its message and parameter name alone.</summary>
    /// <exception cref="ArgumentException">A limit is zero or negative.</exception>
    public void Validate()
    {
        var errors = new OptionErrors("weights read options");
        void Positive(long value, string name) =>
            errors.Require(value > 0, $"WeightsReadOptions.{name} must be positive; found {value}.", name);
        Positive(MaxPickleBytes, nameof(MaxPickleBytes));
        Positive(MaxPickleObjectBytes, nameof(MaxPickleObjectBytes));
        Positive(MaxStorageReuse, nameof(MaxStorageReuse));
        Positive(MaxZipCompressionRatio, nameof(MaxZipCompressionRatio));
        Positive(MaxIndexBytes, nameof(MaxIndexBytes));
        Positive(MaxIndexKeyBytes, nameof(MaxIndexKeyBytes));
        Positive(MaxIndexTotalKeyBytes, nameof(MaxIndexTotalKeyBytes));
        errors.ThrowIfAny();
    }
}
