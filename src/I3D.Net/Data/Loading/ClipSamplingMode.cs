namespace I3D.Net.Data.Loading;

/// <summary>How a loader picks the temporal window(s) of each video.</summary>
public enum ClipSamplingMode
{
    /// <summary>One window at a random start (training); short videos loop.</summary>
    Random,

    /// <summary>The centre window (validation).</summary>
    Center,

    /// <summary><see cref="ClipLoaderOptions.ClipsPerSample"/> evenly spaced windows (test-time averaging).</summary>
    EvenlySpaced,
}
