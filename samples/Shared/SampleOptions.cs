using System.CommandLine;
using I3D.Net.Flow;
using I3D.Net.Runtime;

namespace I3D.Net.Samples;

/// <summary>Command-line options several samples share (System.CommandLine).</summary>
internal static class SampleOptions
{
    public static Option<ComputeDevice> Device() => new("--device")
    {
        Description = "auto (CUDA when available), cpu or cuda",
        DefaultValueFactory = _ => ComputeDevice.Auto,
    };

    public static Option<FlowQuality> FlowQuality() => new("--tvl1")
    {
        Description = "TV-L1 settings when flow is computed: default (OpenCV's) or fast (3 scales, 1 warp, 20 iterations)",
        DefaultValueFactory = _ => Samples.FlowQuality.Default,
    };

    public static TvL1OpticalFlowOptions ToOptions(this FlowQuality quality) => quality == Samples.FlowQuality.Fast
        ? new TvL1OpticalFlowOptions { ScalesNumber = 3, ScaleStep = 0.5, Warps = 1, OuterIterations = 1, InnerIterations = 20 }
        : new TvL1OpticalFlowOptions();
}

/// <summary>TV-L1 presets.</summary>
internal enum FlowQuality
{
    /// <summary>OpenCV's defaults.</summary>
    Default,

    /// <summary>Few scales and iterations: enough for small, slow motion; several times faster.</summary>
    Fast,
}
