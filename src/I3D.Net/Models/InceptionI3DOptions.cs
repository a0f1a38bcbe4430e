namespace I3D.Net.Models;

/// <summary>Options of <see cref="InceptionI3D"/> beyond the class and channel counts. Defaults are the reference's.</summary>
public sealed record InceptionI3DOptions
{
    /// <summary>Probability of <em>dropping</em> a unit before the logits layer (PyTorch's convention; the reference's
    /// TensorFlow keep-probability 0.5 is the same value). Default 0.5.</summary>
    public double DropoutProbability { get; init; } = 0.5;

    /// <summary>The last layer built; forward returns its output. Default <see cref="I3DEndpoint.Logits"/>.</summary>
    public I3DEndpoint FinalEndpoint { get; init; } = I3DEndpoint.Logits;

    /// <summary>BatchNorm epsilon. Default 1e-3 (the reference's).</summary>
    public double BatchNormEpsilon { get; init; } = 1e-3;

    /// <summary>BatchNorm momentum in PyTorch's convention (the weight of the new batch statistics). Default 0.01,
    /// the reference's TensorFlow decay of 0.99.</summary>
    public double BatchNormMomentum { get; init; } = 0.01;

    /// <summary>
    /// Initial value of <see cref="InceptionI3D.FuseReductions"/>: run each Inception block's three 1×1×1 convolutions
    /// that share its input as one (same parameters and state dict, same function up to float rounding). Default false.
    /// </summary>
    public bool FuseReductions { get; init; }

    /// <summary>The reference options.</summary>
    public static InceptionI3DOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (double.IsNaN(DropoutProbability) || DropoutProbability < 0 || DropoutProbability >= 1)
            throw new ArgumentException($"{nameof(DropoutProbability)} must be in [0, 1); found {DropoutProbability}.");
        if (!Enum.IsDefined(FinalEndpoint))
            throw new ArgumentException($"{nameof(FinalEndpoint)} {(int)FinalEndpoint} is not an {nameof(I3DEndpoint)}.");
        if (!(BatchNormEpsilon > 0))
            throw new ArgumentException($"{nameof(BatchNormEpsilon)} must be positive; found {BatchNormEpsilon}.");
        if (double.IsNaN(BatchNormMomentum) || BatchNormMomentum < 0 || BatchNormMomentum > 1)
            throw new ArgumentException($"{nameof(BatchNormMomentum)} must be in [0, 1]; found {BatchNormMomentum}.");
    }
}
