namespace I3D.Net.Models;

/// <summary>
/// The layers of <see cref="InceptionI3D"/> in order, named as in the reference implementation. A model can be built
/// up to any of them (<see cref="InceptionI3DOptions.FinalEndpoint"/>) and every intermediate output can be read.
/// </summary>
public enum I3DEndpoint
{
    /// <summary>7×7×7 conv, 64 filters, stride 2: <c>[64, T/2, H/2, W/2]</c>.</summary>
    Conv3d_1a_7x7,
    /// <summary>1×3×3 max pool, stride (1, 2, 2).</summary>
    MaxPool3d_2a_3x3,
    /// <summary>1×1×1 conv, 64 filters.</summary>
    Conv3d_2b_1x1,
    /// <summary>3×3×3 conv, 192 filters.</summary>
    Conv3d_2c_3x3,
    /// <summary>1×3×3 max pool, stride (1, 2, 2).</summary>
    MaxPool3d_3a_3x3,
    /// <summary>Inception block, 256 channels.</summary>
    Mixed_3b,
    /// <summary>Inception block, 480 channels.</summary>
    Mixed_3c,
    /// <summary>3×3×3 max pool, stride 2.</summary>
    MaxPool3d_4a_3x3,
    /// <summary>Inception block, 512 channels.</summary>
    Mixed_4b,
    /// <summary>Inception block, 512 channels.</summary>
    Mixed_4c,
    /// <summary>Inception block, 512 channels.</summary>
    Mixed_4d,
    /// <summary>Inception block, 528 channels.</summary>
    Mixed_4e,
    /// <summary>Inception block, 832 channels.</summary>
    Mixed_4f,
    /// <summary>2×2×2 max pool, stride 2.</summary>
    MaxPool3d_5a_2x2,
    /// <summary>Inception block, 832 channels.</summary>
    Mixed_5b,
    /// <summary>Inception block, 1024 channels: the features I3D is usually used for.</summary>
    Mixed_5c,
    /// <summary>The classification head: average pool, dropout, 1×1×1 conv, mean over time.</summary>
    Logits,
}
