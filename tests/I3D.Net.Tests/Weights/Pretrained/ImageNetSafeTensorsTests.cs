using I3D.Net.Models;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.Pretrained;

/// <summary><see cref="ImageNetWeightsOptions.WeightsPath"/> takes this library's own safetensors as well as PyTorch files.</summary>
public sealed class ImageNetSafeTensorsTests(GoogLeNetFileFixture googLeNet) : IClassFixture<GoogLeNetFileFixture>, IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void GoogLeNetsStateDictAsSafetensorsInflatesLikeThePyTorchFile()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("googlenet.safetensors");
        SafeTensorsFile.Save(path, PyTorchStateDict.Load(googLeNet.Path));

        using var fromPth = InceptionI3D.FromImageNet(numClasses: 7, weights: new() { WeightsPath = googLeNet.Path });
        using var fromSafeTensors = InceptionI3D.FromImageNet(numClasses: 7, weights: new() { WeightsPath = path });

        var expected = fromPth.state_dict();
        foreach (var (key, value) in fromSafeTensors.state_dict().Where(kv => !kv.Key.StartsWith("logits.", StringComparison.Ordinal)))
        {
            Same(value, expected[key]).Should().BeTrue(key);
        }
    }

    [Fact]
    public void AnImageNetInitialisedI3DSavedByTheLibraryStartsNewModelsWithFreshLogits()
    {
        using var scope = NewDisposeScope();
        using var original = InceptionI3D.FromImageNet(numClasses: 7, weights: new() { WeightsPath = googLeNet.Path });
        var path = _temp.File("i3d-imagenet.safetensors");
        Checkpoints.Save(original, path);

        using var rgb = InceptionI3D.FromImageNet(numClasses: 5, weights: new() { WeightsPath = path });
        using var twoStream = TwoStreamI3D.FromImageNet(numClasses: 5, weights: new() { WeightsPath = path });
        using var flowFromPth = InceptionI3D.FromImageNet(numClasses: 5, inChannels: 2, weights: new() { WeightsPath = googLeNet.Path });

        rgb.NumClasses.Should().Be(5);
        var source = original.state_dict();
        foreach (var (key, value) in rgb.state_dict().Where(kv => !kv.Key.StartsWith("logits.", StringComparison.Ordinal)))
        {
            Same(value, source[key]).Should().BeTrue(key);
        }

        // The flow stream's first kernel is the RGB kernel averaged over its channels, as inflating GoogLeNet gives.
        var flowStem = twoStream.Flow.state_dict()["Conv3d_1a_7x7.conv3d.weight"];
        flowStem.shape.Should().Equal(64, 2, 7, 7, 7);
        flowStem.allclose(flowFromPth.state_dict()["Conv3d_1a_7x7.conv3d.weight"], rtol: 1e-5, atol: 1e-7).Should().BeTrue();
        Same(twoStream.Flow.state_dict()["Mixed_5c.b3b.bn.running_var"], source["Mixed_5c.b3b.bn.running_var"]).Should().BeTrue();
    }

    [Fact]
    public void ASafetensorsFileOfSomethingElseIsRefusedNamingTheKeys()
    {
        var path = _temp.File("other.safetensors");
        using (var t = ones(3))
        {
            SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["not.a.googlenet.key"] = t });
        }

        var act = () => InceptionI3D.FromImageNet(weights: new() { WeightsPath = path });
        act.Should().Throw<InvalidDataException>().WithMessage("*other.safetensors*");
    }
}
