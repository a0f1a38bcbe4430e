namespace I3D.Net.Inference;

/// <summary>Which clips of a video <see cref="FeatureExtractor"/> computes features for.</summary>
public enum FeatureWindowing
{
    /// <summary>One clip per video: the centre <see cref="FeatureExtractionOptions.Frames"/> frames (a shorter video is looped), giving one feature row.</summary>
    PerVideo,

    /// <summary>Sliding windows of <see cref="FeatureExtractionOptions.Frames"/> frames every <see cref="FeatureExtractionOptions.Stride"/> frames, one feature row each (a video shorter than a window gives one, looped).</summary>
    PerWindow,
}
