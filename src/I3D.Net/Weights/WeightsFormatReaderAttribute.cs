namespace I3D.Net.Weights;

/// <summary>Registers the reader of a <see cref="CheckpointFormat"/> member; see <see cref="WeightsFormatReaderAttribute{TReader}"/>.</summary>
[AttributeUsage(AttributeTargets.Field, AllowMultiple = false)]
public abstract class WeightsFormatReaderAttribute : Attribute
{
    private protected WeightsFormatReaderAttribute()
    {
    }

    /// <summary>
    /// Whether the reader recognises a container that more specific formats share (a PyTorch zip claims every zip), so
    /// its <see cref="IWeightsFormatReader.Detect"/> is asked after every other reader's. Default false: readers are
    /// asked in the order the formats are declared.
    /// </summary>
    public bool Fallback { get; init; }

    /// <summary>Creates the reader.</summary>
    internal abstract IWeightsFormatReader CreateReader();
}

/// <summary>
/// Put on a <see cref="CheckpointFormat"/> member, registers <typeparamref name="TReader"/> as the reader of that format:
/// <see cref="Checkpoints.DetectFormat"/> and <see cref="Checkpoints.LoadStateDict(string)"/> find it there. This is the
/// one registration line a new format needs.
/// </summary>
/// <typeparam name="TReader">The format's reader.</typeparam>
public sealed class WeightsFormatReaderAttribute<TReader> : WeightsFormatReaderAttribute
    where TReader : IWeightsFormatReader, new()
{
    internal override IWeightsFormatReader CreateReader() => new TReader();
}
