using I3D.Net.Models;
using I3D.Net.Weights;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>Issue 13 §5: load errors that say what to do.</summary>
public sealed class StateDictLoaderHintTests
{
    [Fact]
    public void A_logits_class_count_mismatch_suggests_ReplaceLogits()
    {
        using var scope = NewDisposeScope();
        using var source = new InceptionI3D(numClasses: 7);
        using var model = new InceptionI3D(numClasses: 3);

        var act = () => StateDictLoader.Load(model, source.state_dict(), sourceName: "kinetics7.safetensors");
        act.Should().Throw<InvalidDataException>()
            .WithMessage("*kinetics7.safetensors*'logits.conv3d.weight'*7 classes*3*create the model with 7 classes*ReplaceLogits(3)*");
    }

    [Fact]
    public void A_two_stream_checkpoint_loaded_into_one_stream_says_so()
    {
        using var scope = NewDisposeScope();
        using var stream = new InceptionI3D(numClasses: 4);
        var twoStream = new Dictionary<string, Tensor>();
        foreach (var (key, value) in stream.state_dict())
        {
            twoStream["rgb." + key] = value;
            twoStream["flow." + key] = value;
        }

        var act = () => StateDictLoader.Load(stream, twoStream, sourceName: "two_stream.safetensors");
        act.Should().Throw<InvalidDataException>()
            .WithMessage("*two_stream.safetensors*two-stream (TwoStreamI3D) checkpoint*'rgb.'*'flow.'*InceptionI3D*");
    }
}
