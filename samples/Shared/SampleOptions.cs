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

    public static Option<string> FlowQuality() => new Option<string>("--tvl1")
    {
        Description = "TV-L1 settings when flow is computed: default (OpenCV's) or fast (TvL1OpticalFlowOptions.Fast)",
        DefaultValueFactory = _ => "default",
    }.AcceptOnlyFromAmong("default", "fast");

    public static TvL1OpticalFlowOptions ToOptions(this string? quality) => quality == "fast" ? TvL1OpticalFlowOptions.Fast : new TvL1OpticalFlowOptions();
}
