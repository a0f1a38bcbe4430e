namespace I3D.Net.Inference;

/// <summary>What <see cref="FeatureExtractor"/> keeps of an endpoint's output per clip.</summary>
public enum FeaturePooling
{
    /// <summary>
    /// A vector per clip: for <see cref="Models.I3DEndpoint.Mixed_5c"/> the 1024-d features of
    /// <see cref="Models.InceptionI3D.ExtractFeatures"/> (the head's average pool, then the mean over time and space);
    /// for <see cref="Models.I3DEndpoint.Logits"/> the logits; for any other endpoint its mean over time and space.
    /// </summary>
    Average,

    /// <summary>
    /// The endpoint's whole output per clip, <c>[C, T', H', W']</c> (for <see cref="Models.I3DEndpoint.Logits"/>, the
    /// per-time logits <c>[classes, T']</c> of <see cref="Models.InceptionI3D.ForwardPerTime"/>).
    /// </summary>
    None,
}
