namespace I3D.Net.Inference;

/// <summary>The file <see cref="FeatureExtractor"/> writes per video.</summary>
public enum FeatureFileFormat
{
    /// <summary>NumPy <c>&lt;name&gt;.npy</c> (<see cref="IO.NpyFile"/>): the float32 features <c>[W, …]</c>, one row per window.</summary>
    Npy,

    /// <summary>
    /// <c>&lt;name&gt;.safetensors</c>: <c>features</c> (float32 <c>[W, …]</c>) and <c>window_starts</c> (int64 <c>[W]</c>, each
    /// window's first frame in the video's own frame numbering), with the video, stream and settings as metadata.
    /// </summary>
    SafeTensors,
}
