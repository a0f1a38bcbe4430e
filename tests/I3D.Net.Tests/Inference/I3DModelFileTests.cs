using I3D.Net.Inference;
using I3D.Net.Models;
using I3D.Net.Tests.Weights;
using I3D.Net.Training;
using I3D.Net.Weights;

namespace I3D.Net.Tests.Inference;

/// <summary>Issue 17: <see cref="I3DModelFile"/>, the samples' model-file detection moved into the library.</summary>
public sealed class I3DModelFileTests
{
    [Fact]
    public void Reads_the_architecture_and_class_names_from_a_safetensors_file()
    {
        using var folder = new TempFolder();
        var path = folder.File("two.safetensors");
        using (var model = InferenceTestData.TwoStreamModel())
            Checkpoints.Save(model, path, ["a", "b", "c"]);
        using var loaded = I3DModelFile.Load(path);
        loaded.TwoStream.Should().NotBeNull();
        (loaded.ReadsRgb, loaded.ReadsFlow, loaded.NumClasses).Should().Be((true, true, 3));
        loaded.ClassNames.Should().Equal("a", "b", "c");
        loaded.Format.Should().Be("safetensors");
        loaded.Description.Should().Be($"two-stream I3D (3 classes) from safetensors '{path}'");
        loaded.Module.training.Should().BeFalse();
    }

    [Fact]
    public void A_flow_stream_with_a_classes_txt_beside_it()
    {
        using var folder = new TempFolder();
        var path = folder.File("flow.safetensors");
        using (var model = InferenceTestData.RgbModel(inChannels: 2))
            Checkpoints.Save(model, path);
        File.WriteAllLines(folder.File("classes.txt"), ["x", "y", "z"]);
        using var loaded = I3DModelFile.Load(path);
        (loaded.SingleStream!.InChannels, loaded.ReadsRgb, loaded.ReadsFlow).Should().Be((2, false, true));
        loaded.ClassNames.Should().Equal("x", "y", "z");
    }

    [Fact]
    public void Names_the_missing_class_names_and_the_wrong_count()
    {
        using var folder = new TempFolder();
        var path = folder.File("rgb.safetensors");
        using (var model = InferenceTestData.RgbModel())
            Checkpoints.Save(model, path);
        var none = () => I3DModelFile.Load(path);
        none.Should().Throw<InvalidDataException>().WithMessage("*records no class names for its 3 classes*");
        var wrong = () => I3DModelFile.Load(path, ["only", "two"]);
        wrong.Should().Throw<InvalidDataException>().WithMessage("*3 classes, but its class names list 2*");
    }

    [Fact]
    public void Known_class_names_by_class_count()
    {
        I3DModelFile.KnownClassNames(400).Should().BeSameAs(KineticsClasses.Kinetics400);
        I3DModelFile.KnownClassNames(600).Should().BeSameAs(KineticsClasses.Kinetics600);
        I3DModelFile.KnownClassNames(3).Should().BeNull();
    }

    [Fact]
    public void Reads_class_names_from_json_and_text()
    {
        using var folder = new TempFolder();
        new Net.Data.Annotations.ClassMap(["b", "a"]).Save(folder.File("class_map.json"));
        File.WriteAllLines(folder.File("names.txt"), ["one", "two"]);
        I3DModelFile.ReadClassNames(folder.File("class_map.json")).Should().Equal("b", "a");
        I3DModelFile.ReadClassNames(folder.File("names.txt")).Should().Equal("one", "two");
    }

    [Fact]
    public void Missing_path_is_FileNotFound_and_a_foreign_state_dict_is_named()
    {
        using var folder = new TempFolder();
        var missing = () => I3DModelFile.Load(folder.File("nope.safetensors"));
        missing.Should().Throw<FileNotFoundException>().WithMessage("*nope.safetensors*does not exist*");
        var foreign = folder.File("foreign.safetensors");
        Net.Weights.SafeTensors.SafeTensorsFile.Save(foreign, new Dictionary<string, TorchSharp.torch.Tensor> { ["fc.weight"] = TorchSharp.torch.zeros(2, 2) });
        var act = () => I3DModelFile.Load(foreign);
        act.Should().Throw<InvalidDataException>().WithMessage("*not an I3D classifier*'fc.weight'*");
    }
}
