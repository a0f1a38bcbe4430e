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

    /// <summary>The backbone's layers as a table (endpoint, kind, kernel, stride, widths). Default
    /// <see cref="I3DArchitecture.Reference"/>; another table builds an Inception-style variant with the same state-dict
    /// names (e.g. other branch widths).</summary>
    public I3DArchitecture Architecture { get; init; } = I3DArchitecture.Reference;

    /// <summary>The reference options.</summary>
    public static InceptionI3DOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> listing every out-of-range or inconsistent option (nested options included); with one problem, its message and parameter name alone.</summary>
    public void Validate()
    {
        var errors = new OptionErrors("InceptionI3D options");
        Collect(errors);
        errors.ThrowIfAny();
    }

    /// <summary>Adds every problem of these options to <paramref name="errors"/>.</summary>
    internal void Collect(OptionErrors errors)
    {
        errors.Require(!double.IsNaN(DropoutProbability) && DropoutProbability is >= 0 and < 1,
            $"{nameof(DropoutProbability)} must be in [0, 1); found {DropoutProbability}.");
        errors.Require(Enum.IsDefined(FinalEndpoint), $"{nameof(FinalEndpoint)} {(int)FinalEndpoint} is not an {nameof(I3DEndpoint)}.");
        errors.Require(Architecture is not null, $"{nameof(Architecture)} must not be null.");
        errors.Require(BatchNormEpsilon > 0, $"{nameof(BatchNormEpsilon)} must be positive; found {BatchNormEpsilon}.");
        errors.Require(!double.IsNaN(BatchNormMomentum) && BatchNormMomentum is >= 0 and <= 1,
            $"{nameof(BatchNormMomentum)} must be in [0, 1]; found {BatchNormMomentum}.");
    }
}
