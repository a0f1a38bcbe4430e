namespace I3D.Net.Data.Video;

/// <summary>How a video reader reaches a frame that is not the next one in the stream.</summary>
public enum SeekMode
{
    /// <summary>
    /// Verify once per codec and container (per process) that seeking lands on the same frame as sequential decoding,
    /// then seek where it is exact and decode sequentially where it is not.
    /// </summary>
    Auto,

    /// <summary>Always seek (fast; trust the codec's index).</summary>
    Seek,

    /// <summary>Never seek: decode sequentially from the start (always exact, slower for late frames).</summary>
    Sequential,
}
