using I3D.Net.Models;
using FluentAssertions;
using I3D.Net.Tests.Weights.TensorFlow;
using I3D.Net.Weights;
using I3D.Net.Weights.SafeTensors;
using I3D.Net.Weights.TensorFlow;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>One reader per format, registered on the <see cref="CheckpointFormat"/> member; key mappings per model, apart from formats.</summary>
public sealed class WeightsFormatReadersTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Every_format_but_Unknown_has_one_reader_and_the_zip_fallback_is_asked_last()
    {
        var formats = Enum.GetValues<CheckpointFormat>().Where(f => f != CheckpointFormat.Unknown).ToArray();
        WeightsFormatReaders.All.Select(r => r.Format).Should().BeEquivalentTo(formats);
        WeightsFormatReaders.All.Select(r => r.Reader.GetType()).Should().OnlyHaveUniqueItems();
        WeightsFormatReaders.All[^1].Format.Should().Be(CheckpointFormat.PyTorchZip);
        WeightsFormatReaders.For(CheckpointFormat.Unknown).Should().BeNull();
    }

    [Fact]
    public void A_TensorFlow_checkpoint_of_another_model_is_read_with_its_own_names_and_layouts()
    {
        using var scope = NewDisposeScope();
        var prefix = _temp.File("other.ckpt");
        var kernel = randn(3, 3, 2, 4);
        TestBundleWriter.Write(prefix, new Dictionary<string, Tensor> { ["encoder/conv/kernel"] = kernel, ["encoder/conv/bias"] = zeros(4) });
        var sd = Checkpoints.LoadStateDict(prefix);
        sd.Keys.Should().BeEquivalentTo("encoder/conv/kernel", "encoder/conv/bias");
        sd["encoder/conv/kernel"].shape.Should().Equal(3, 3, 2, 4);
        sd["encoder/conv/kernel"].eq(kernel).all().item<bool>().Should().BeTrue();
    }

    [Fact]
    public void The_kinetics_mapping_applies_to_kinetics_variables_only_and_turns_them_into_pytorch_i3d_keys()
    {
        using var scope = NewDisposeScope();
        var mapping = KineticsI3DKeyMapping.Instance;
        mapping.AppliesTo(CheckpointFormat.TensorFlowCheckpoint, ["RGB/inception_i3d/Mixed_4f/Branch_1/Conv3d_0b_3x3/conv_3d/w"]).Should().BeTrue();
        mapping.AppliesTo(CheckpointFormat.TensorFlowCheckpoint, ["encoder/conv/kernel"]).Should().BeFalse();
        mapping.AppliesTo(CheckpointFormat.SafeTensors, ["Mixed_4f.b1b.conv3d.weight"]).Should().BeFalse();

        var w = randn([7, 7, 7, 3, 64]);
        var mapped = mapping.Map(new Dictionary<string, Tensor>
        {
            ["RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w"] = w,
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/beta"] = randn(64),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_mean"] = randn(64),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_variance"] = rand(64),
            ["RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w/Momentum"] = w,
        }, "in memory");
        mapped.Keys.Should().BeEquivalentTo("Conv3d_1a_7x7.conv3d.weight", "Conv3d_1a_7x7.bn.bias", "Conv3d_1a_7x7.bn.weight",
            "Conv3d_1a_7x7.bn.running_mean", "Conv3d_1a_7x7.bn.running_var", "Conv3d_1a_7x7.bn.num_batches_tracked");
        mapped["Conv3d_1a_7x7.conv3d.weight"].eq(w.permute(4, 3, 0, 1, 2)).all().item<bool>().Should().BeTrue();

        FluentActions.Invoking(() => mapping.Map(new Dictionary<string, Tensor>
            {
                ["RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w"] = w,
                ["RGB/inception_i3d/Mixed_9z/Branch_0/Conv3d_0a_1x1/conv_3d/w"] = w,
            }, "in memory"))
            .Should().Throw<InvalidDataException>().WithMessage("*'in memory'*Mixed_9z*");
    }

    /// <summary>A mapping of some other model: prefixes every key.</summary>
    private sealed class Prefix : IStateDictKeyMapping
    {
        public string Name => "prefix";
        public bool AppliesTo(CheckpointFormat format, IReadOnlyCollection<string> keys) => true;
        public Dictionary<string, Tensor> Map(IReadOnlyDictionary<string, Tensor> source, string sourceName) =>
            source.ToDictionary(p => "backbone." + p.Key, p => p.Value.clone());
    }

    [Fact]
    public void An_explicit_mapping_is_applied_to_any_format()
    {
        using var scope = NewDisposeScope();
        var path = _temp.File("w.safetensors");
        SafeTensorsFile.Save(path, new Dictionary<string, Tensor> { ["conv.weight"] = ones(2, 2) });
        var sd = Checkpoints.LoadStateDict(path, options: null, mapping: new Prefix());
        sd.Keys.Should().Equal("backbone.conv.weight");
        Checkpoints.LoadStateDict(path).Keys.Should().Equal("conv.weight");
    }
}
