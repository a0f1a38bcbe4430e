namespace I3D.Net.Data.Sampling;

/// <summary>Independent random streams per sample, so changing one augmentation does not shift the others.</summary>
public enum RandomStream : ulong
{
    /// <summary>The epoch's sample order.</summary>
    Shuffle = 1,

    /// <summary>The temporal window.</summary>
    Window = 2,

    /// <summary>The spatial crop.</summary>
    Crop = 3,

    /// <summary>The horizontal flip.</summary>
    Flip = 4,

    /// <summary>Colour jitter.</summary>
    ColorJitter = 5,

    /// <summary>Replacement of unreadable samples.</summary>
    Substitute = 6,
}
