namespace I3D.Net.Models;

/// <summary>How <see cref="TwoStreamI3D"/> combines the logits of its RGB and flow streams.</summary>
public enum StreamFusion
{
    /// <summary>RGB logits + flow logits: the reference's fusion.</summary>
    Sum,
    /// <summary>The mean of the two streams' logits (the sum's argmax, on the scale of one stream).</summary>
    Average,
    /// <summary>w_rgb · RGB logits + w_flow · flow logits with two learned weights (state-dict key
    /// <c>fusion_weight</c>, initialised to 1, i.e. the reference's sum).</summary>
    Learned,
}
