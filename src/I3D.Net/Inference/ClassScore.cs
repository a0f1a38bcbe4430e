namespace I3D.Net.Inference;

/// <summary>One class of a prediction.</summary>
/// <param name="Index">The class index (the logit's position).</param>
/// <param name="Name">The class name.</param>
/// <param name="Probability">Its probability: the softmax of the averaged logits.</param>
public readonly record struct ClassScore(int Index, string Name, double Probability)
{
    /// <summary>The class and its probability, e.g. <c>playing cricket 87.5 %</c>.</summary>
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Name} {Probability:P1}");
}
