using I3D.Net.Tests.Weights.TensorFlow;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

public sealed class CheckpointsTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string PyTorchFixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch", name);

    [Theory]
    [InlineData("legacy_pickle_p2.pt", CheckpointFormat.PyTorchLegacy)]
    [InlineData("legacy_pickle_p4.pt", CheckpointFormat.PyTorchLegacy)]
    [InlineData("zip_state_dict.pt", CheckpointFormat.PyTorchZip)]
    [InlineData("plain.pkl", CheckpointFormat.PythonPickle)]
    public void RecognisesPyTorchFilesByContent(string name, CheckpointFormat format) =>
        Checkpoints.DetectFormat(PyTorchFixture(name)).Should().Be(format);

    [Fact]
    public void RecognisesSafeTensorsAndTensorFlowByContentNotExtension()
    {
        using var scope = NewDisposeScope();
        var safetensors = _temp.File("weights.bin");
        SafeTensorsFile.Save(safetensors, new Dictionary<string, Tensor> { ["a"] = ones(2) });
        Checkpoints.DetectFormat(safetensors).Should().Be(CheckpointFormat.SafeTensors);

        var prefix = _temp.File("model.ckpt");
        TestBundleWriter.Write(prefix, new Dictionary<string, Tensor> { ["Conv3d_1a_7x7/batch_norm/beta"] = ones(64) });
        Checkpoints.DetectFormat(prefix).Should().Be(CheckpointFormat.TensorFlowCheckpoint);
        Checkpoints.DetectFormat(prefix + ".index").Should().Be(CheckpointFormat.TensorFlowCheckpoint);
        Checkpoints.DetectFormat(prefix + ".data-00000-of-00001").Should().Be(CheckpointFormat.TensorFlowCheckpoint);
        Checkpoints.DetectFormat(KineticsI3DCheckpointTests.Fixture("rgb_imagenet")).Should().Be(CheckpointFormat.TensorFlowCheckpoint);

        var text = _temp.File("notes.safetensors");
        File.WriteAllText(text, "hello, world");
        Checkpoints.DetectFormat(text).Should().Be(CheckpointFormat.Unknown);
        var empty = _temp.File("empty.pt");
        File.WriteAllBytes(empty, []);
        Checkpoints.DetectFormat(empty).Should().Be(CheckpointFormat.Unknown);
    }

    [Fact]
    public void LegacyStateDictsLoadAndUnreadableLegacyFilesGetExactConversionSteps()
    {
        using var scope = NewDisposeScope();
        var path = PyTorchFixture("legacy_pickle_p2.pt");
        LegacyPyTorchFile.IsLegacy(path).Should().BeTrue();
        LegacyPyTorchFile.IsLegacy(PyTorchFixture("zip_state_dict.pt")).Should().BeFalse();
        LegacyPyTorchFile.IsLegacy(PyTorchFixture("plain.pkl")).Should().BeFalse("a pickle without torch's magic number is not a PyTorch file");

        var sd = Checkpoints.LoadStateDict(path);
        sd.Keys.Should().Equal("w", "b");
        sd["w"].data<float>().ToArray().Should().Equal(0f, 1f, 2f, 3f);

        // A pickled module needs code to rebuild: refused, with the way out.
        var module = PyTorchFixture("legacy_whole_module.pt");
        Checkpoints.DetectFormat(module).Should().Be(CheckpointFormat.PyTorchLegacy);
        var act = () => Checkpoints.LoadStateDict(module);

        var error = act.Should().Throw<InvalidDataException>().Which;
        error.InnerException.Should().BeOfType<InvalidDataException>("the reader's own reason is kept");
        error.Message.Should().ContainAll(
            module,
            "legacy (pre-1.6, non-zip) PyTorch file",
            "import torch; from safetensors.torch import save_file",
            "sd = torch.load(\"legacy_whole_module.pt\", map_location=\"cpu\", weights_only=True)",
            "torch.save(sd, \"legacy_whole_module_zip.pt\")",
            "save_file({k: v.contiguous() for k, v in sd.items()}, \"legacy_whole_module.safetensors\")",
            "whole module");
        LegacyPyTorchFile.ConversionSnippet(path).Split(Environment.NewLine).Should().HaveCount(3);
    }

    [Fact]
    public void PlainPicklesAndUnknownFilesAreRefusedClearly()
    {
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(PyTorchFixture("plain.pkl")))
            .Should().Throw<InvalidDataException>().WithMessage("*plain.pkl*plain Python pickle*never unpickles*");
        var text = _temp.File("weights.safetensors");
        File.WriteAllText(text, "not weights");
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(text))
            .Should().Throw<InvalidDataException>().WithMessage("*weights.safetensors*not a checkpoint format*6E6F74207765696*");
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(_temp.File("absent.pt")))
            .Should().Throw<FileNotFoundException>().WithMessage("*absent.pt*");
        FluentActions.Invoking(() => Checkpoints.LoadStateDict(_temp.Path))
            .Should().Throw<FileNotFoundException>().WithMessage($"*'{_temp.Path}' holds no TensorFlow checkpoint*");
    }

    [Fact]
    public void LoadsAndSavesThroughTheSameEntryPoint()
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(9);
        var source = new TinyConvBnNet();
        var path = _temp.File("tiny.safetensors");
        Checkpoints.Save(source, path);
        var target = new TinyConvBnNet();

        var result = Checkpoints.Load(target, path);

        result.Loaded.Should().HaveCount(6);
        target.state_dict()["conv.weight"].eq(source.state_dict()["conv.weight"]).all().item<bool>().Should().BeTrue();

        // A kinetics-i3d TensorFlow checkpoint through the same call, by prefix.
        var prefix = _temp.File("model.ckpt");
        var beta = randn(64);
        TestBundleWriter.Write(prefix, new Dictionary<string, Tensor>
        {
            ["RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w"] = randn([7, 7, 7, 3, 64]),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/beta"] = beta,
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_mean"] = randn(64),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_variance"] = rand(64),
        });
        var stem = new I3DStem();
        Checkpoints.Load(stem, prefix).Missing.Should().BeEmpty();
        stem.state_dict()["Conv3d_1a_7x7.bn.bias"].eq(beta).all().item<bool>().Should().BeTrue();
    }
}
