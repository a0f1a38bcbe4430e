namespace I3D.Net.Inference;

/// <summary>Which frames of a video <see cref="VideoClassifier"/> feeds to the model.</summary>
public enum TemporalSampling
{
    /// <summary>
    /// All frames at once, up to <see cref="VideoClassifierOptions.MaxFrames"/> (the centre ones of a longer video), as
    /// the paper evaluates I3D: convolutionally over the whole video, logits averaged over time by the head.
    /// </summary>
    WholeVideo,

    /// <summary>
    /// <see cref="VideoClassifierOptions.Clips"/> evenly spaced clips of <see cref="VideoClassifierOptions.ClipLength"/>
    /// frames (short videos loop), each with <see cref="VideoClassifierOptions.Crops"/> crops; the logits are averaged.
    /// </summary>
    Clips,
}
