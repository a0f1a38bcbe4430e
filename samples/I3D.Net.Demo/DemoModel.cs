using I3D.Net.Models;
using I3D.Net.Weights;

namespace I3D.Net.Demo;

/// <summary>Creates the demo's two-stream I3D: ImageNet-inflated when the GoogLeNet weights are at hand, else from scratch.</summary>
internal static class DemoModel
{
    public static (TwoStreamI3D Model, string Initialisation) Create(int numClasses, InceptionI3DOptions options, bool download, DemoConsole ui)
    {
        // The library's lookup: $I3D_NET_HOME, $XDG_CACHE_HOME/i3d-net or ~/.cache/i3d-net (hash-checked); a download only with --download-imagenet.
        var weights = new ImageNetWeightsOptions { AllowDownload = download };
        try
        {
            var model = TwoStreamI3D.FromImageNet(numClasses, options, weights: weights);
            return (model, "from ImageNet (GoogLeNet inflated to 3D)");
        }
        catch (FileNotFoundException)
        {
            ui.Line($"ImageNet GoogLeNet weights ({I3DWeights.GoogLeNetFileName}) not found in {ImageNetInitialization.DefaultCacheDirectory}; "
                + "training from scratch (--download-imagenet fetches them from download.pytorch.org)");
            return (new TwoStreamI3D(numClasses, options), "from scratch");
        }
        catch (HttpRequestException e)
        {
            ui.Warn($"could not download the ImageNet weights ({e.Message}); training from scratch");
            return (new TwoStreamI3D(numClasses, options), "from scratch");
        }
    }
}
