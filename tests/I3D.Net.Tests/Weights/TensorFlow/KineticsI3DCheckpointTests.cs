using I3D.Net.Models;
using I3D.Net.Weights;
using I3D.Net.Weights.TensorFlow;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights.TensorFlow;

public sealed class KineticsI3DCheckpointTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    internal static string Fixture(string name) =>
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "kinetics-i3d", "checkpoints", name, "model.ckpt.index");

    [Theory]
    [InlineData("rgb_imagenet", "RGB", 400, 3, 0)]
    [InlineData("rgb_scratch", "RGB", 400, 3, 0)]
    [InlineData("flow_imagenet", "Flow", 400, 2, 0)]
    [InlineData("flow_scratch", "Flow", 400, 2, 0)]
    [InlineData("rgb_scratch_kin600", null, 600, 3, 116)]
    public void EveryReleasedCheckpointMapsOntoTheModelExactly(string name, string? stream, int classes, int channels, int momentumSlots)
    {
        var checkpoint = TensorFlowCheckpoint.Open(Fixture(name));
        checkpoint.ShardCount.Should().Be(1);
        checkpoint.Tensors.Should().HaveCount(230 + momentumSlots);

        var map = KineticsI3DCheckpoint.Map(checkpoint);

        map.Stream.Should().Be(stream);
        map.NumClasses.Should().Be(classes);
        map.InChannels.Should().Be(channels);
        map.Skipped.Should().HaveCount(momentumSlots);
        map.Skipped.Where(s => !s.EndsWith("/Momentum")).Should().BeEmpty();
        map.Variables.Should().HaveCount(230, "57 conv+BN units × 4 variables + logits w and b");

        // Every model key is covered and every variable lands on a model key with the model's shape.
        var expected = I3DShapeTable.StateDict(classes, channels);
        map.StateDictShapes.Keys.Order(StringComparer.Ordinal).Should().Equal(expected.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, shape) in expected)
        {
            map.StateDictShapes[key].Should().Equal(shape, key);
        }

        // …and the real model agrees, key for key and shape for shape.
        using (var model = new InceptionI3D(classes, channels))
        {
            var state = model.state_dict();
            state.Keys.Order(StringComparer.Ordinal).Should().Equal(map.StateDictShapes.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, value) in state)
            {
                value.shape.Should().Equal(map.StateDictShapes[key], key);
            }
        }

        foreach (var v in map.Variables)
        {
            KineticsI3DCheckpoint.MapName(v.TensorFlowName).Should().Be(v.StateDictKey);
            v.StateDictShape.Aggregate(1L, (a, b) => a * b).Should().Be(v.TensorFlowShape.Aggregate(1L, (a, b) => a * b));
        }
    }

    [Theory]
    [InlineData("RGB/inception_i3d/Mixed_3b/Branch_1/Conv3d_0b_3x3/conv_3d/w", "Mixed_3b.b1b.conv3d.weight")]
    [InlineData("RGB/inception_i3d/Mixed_5b/Branch_2/Conv3d_0a_3x3/batch_norm/beta", "Mixed_5b.b2b.bn.bias")]
    [InlineData("Flow/inception_i3d/Mixed_4f/Branch_3/Conv3d_0b_1x1/batch_norm/moving_variance", "Mixed_4f.b3b.bn.running_var")]
    [InlineData("Conv3d_2c_3x3/batch_norm/moving_mean", "Conv3d_2c_3x3.bn.running_mean")]
    [InlineData("RGB/inception_i3d/Logits/Conv3d_0c_1x1/conv_3d/b", "logits.conv3d.bias")]
    [InlineData("RGB/inception_i3d/Mixed_3b/Branch_0/Conv3d_0a_1x1/conv_3d/w", "Mixed_3b.b0.conv3d.weight")]
    [InlineData("RGB/inception_i3d/Mixed_3b/Branch_3/Conv3d_0a_1x1/conv_3d/w", null)]
    [InlineData("RGB/inception_i3d/Mixed_6a/Branch_0/Conv3d_0a_1x1/conv_3d/w", null)]
    [InlineData("Other/Conv3d_1a_7x7/conv_3d/w", null)]
    public void NamesMapLikePytorchI3D(string tensorFlowName, string? key) =>
        KineticsI3DCheckpoint.MapName(tensorFlowName).Should().Be(key);

    [Fact]
    [Trait("Category", "Heavy")] // writes and reads ~50 MB
    public void FullSizeCheckpointConvertsValuesExactly()
    {
        // A checkpoint with exactly the variables, shapes and layout of the released rgb_imagenet one.
        using var scope = NewDisposeScope();
        var template = TensorFlowCheckpoint.Open(Fixture("rgb_imagenet"));
        var g = new torch.Generator(11);
        // Small weights and positive variances keep the loaded network's activations finite.
        var values = template.Tensors.ToDictionary(
            t => t.Name,
            t => t.Name.EndsWith("moving_variance") ? rand(t.Shape.ToArray(), generator: g) + 0.5 : randn(t.Shape.ToArray(), generator: g) * 0.02);
        var prefix = Path.Combine(_temp.Path, "model.ckpt");
        TestBundleWriter.Write(prefix, values, blockSize: 4096);

        var stateDict = KineticsI3DCheckpoint.LoadStateDict(_temp.Path);

        stateDict.Keys.Order(StringComparer.Ordinal).Should().Equal(I3DShapeTable.StateDict(400, 3).Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tf) in values)
        {
            var key = KineticsI3DCheckpoint.MapName(name)!;
            var expected = name.EndsWith("conv_3d/w") ? tf.permute(4, 3, 0, 1, 2) : tf;
            Same(stateDict[key], expected).Should().BeTrue(key);
        }

        // Spot-check one element by hand: weight[o, i, t, h, w] == kernel[t, h, w, i, o].
        var kernel = values["RGB/inception_i3d/Mixed_4b/Branch_1/Conv3d_0b_3x3/conv_3d/w"];
        stateDict["Mixed_4b.b1b.conv3d.weight"][200, 17, 2, 0, 1].item<float>().Should().Be(kernel[2, 0, 1, 17, 200].item<float>());
        Same(stateDict["Mixed_5c.b0.bn.weight"], ones(384)).Should().BeTrue("Sonnet BatchNorm has no scale");
        stateDict["Conv3d_1a_7x7.bn.num_batches_tracked"].item<long>().Should().Be(0);

        // The whole checkpoint loads strictly into the model, which then computes with it.
        using var model = new InceptionI3D(400, 3);
        var result = KineticsI3DCheckpoint.Load(model, Path.Combine(_temp.Path, "model.ckpt.index"));
        result.Missing.Should().BeEmpty();
        result.Unexpected.Should().BeEmpty();
        Same(model.state_dict()["Mixed_4b.b1b.conv3d.weight"], kernel.permute(4, 3, 0, 1, 2)).Should().BeTrue();
        model.eval();
        using (torch.no_grad())
        {
            using var logits = model.forward(zeros([1, 3, 9, 64, 64]));
            logits.shape.Should().Equal(1, 400);
            logits.isfinite().all().item<bool>().Should().BeTrue();
        }
    }

    [Fact]
    public void Kinetics600LayoutAndMomentumSlotsAreHandled()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["Conv3d_1a_7x7/conv_3d/w"] = randn([7, 7, 7, 3, 64]),
            ["Conv3d_1a_7x7/conv_3d/w/Momentum"] = randn([7, 7, 7, 3, 64]),
            ["Conv3d_1a_7x7/batch_norm/beta"] = randn([1, 1, 1, 1, 64]),
            ["Conv3d_1a_7x7/batch_norm/beta/Momentum"] = randn([1, 1, 1, 1, 64]),
            ["Conv3d_1a_7x7/batch_norm/moving_mean"] = randn([1, 1, 1, 1, 64]),
            ["Conv3d_1a_7x7/batch_norm/moving_variance"] = rand([1, 1, 1, 1, 64]),
        };
        var prefix = Path.Combine(_temp.Path, "model.ckpt");
        TestBundleWriter.Write(prefix, tensors);
        var net = new I3DStem();

        var result = KineticsI3DCheckpoint.Load(net, prefix);

        result.Missing.Should().BeEmpty();
        result.Unexpected.Should().BeEmpty();
        var state = net.state_dict();
        Same(state["Conv3d_1a_7x7.bn.running_mean"], tensors["Conv3d_1a_7x7/batch_norm/moving_mean"].reshape(64)).Should().BeTrue();
        Same(state["Conv3d_1a_7x7.conv3d.weight"], tensors["Conv3d_1a_7x7/conv_3d/w"].permute(4, 3, 0, 1, 2)).Should().BeTrue();
        KineticsI3DCheckpoint.Map(TensorFlowCheckpoint.Open(prefix)).Skipped
            .Should().Equal("Conv3d_1a_7x7/batch_norm/beta/Momentum", "Conv3d_1a_7x7/conv_3d/w/Momentum");
    }

    [Fact]
    public void CheckpointThatDoesNotFitTheModelIsRejectedBeforeCopying()
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w"] = randn([7, 7, 7, 2, 64]),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/beta"] = randn([64]),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_mean"] = randn([64]),
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_variance"] = rand([64]),
            ["RGB/inception_i3d/Conv3d_2b_1x1/batch_norm/beta"] = randn([64]),
        };
        var prefix = Path.Combine(_temp.Path, "model.ckpt");
        TestBundleWriter.Write(prefix, tensors);
        var net = new I3DStem();
        var before = net.state_dict()["Conv3d_1a_7x7.bn.bias"].clone();

        var act = () => KineticsI3DCheckpoint.Load(net, prefix);

        act.Should().Throw<InvalidDataException>().Which.Message.Should().ContainAll(
            "model.ckpt.index",
            "nothing was copied",
            "shape mismatch for 'Conv3d_1a_7x7.conv3d.weight': the model expects [64, 3, 7, 7, 7], the source has [64, 2, 7, 7, 7]",
            "'Conv3d_2b_1x1.bn.bias'");
        Same(net.state_dict()["Conv3d_1a_7x7.bn.bias"], before).Should().BeTrue();
    }

    [Fact]
    public void ForeignVariablesAreNamed()
    {
        using var scope = NewDisposeScope();
        var prefix = Path.Combine(_temp.Path, "model.ckpt");
        TestBundleWriter.Write(prefix, new Dictionary<string, Tensor>
        {
            ["RGB/inception_i3d/Conv3d_1a_7x7/conv_3d/w"] = randn([7, 7, 7, 3, 64]),
            ["resnet/block1/conv/kernel"] = randn([3]),
            ["global_step"] = tensor(5L),
        });

        var act = () => KineticsI3DCheckpoint.Map(TensorFlowCheckpoint.Open(prefix));

        act.Should().Throw<InvalidDataException>().WithMessage("*model.ckpt.index*1 variable(s) are not part of the I3D architecture: 'resnet/block1/conv/kernel'*");
    }

    [Fact]
    public void MixedStreamsAreRejected()
    {
        using var scope = NewDisposeScope();
        var prefix = Path.Combine(_temp.Path, "model.ckpt");
        TestBundleWriter.Write(prefix, new Dictionary<string, Tensor>
        {
            ["RGB/inception_i3d/Conv3d_1a_7x7/batch_norm/beta"] = randn([64]),
            ["Flow/inception_i3d/Conv3d_1a_7x7/batch_norm/beta"] = randn([64]),
        });

        var act = () => KineticsI3DCheckpoint.Map(TensorFlowCheckpoint.Open(prefix));

        act.Should().Throw<InvalidDataException>().WithMessage("*mixes variable scopes*");
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();
}

public sealed class KineticsI3DTwoStreamTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WriteStem(string folder, string scope, int channels, Tensor beta)
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, folder));
        var prefix = Path.Combine(_temp.Path, folder, "model.ckpt");
        TestBundleWriter.Write(prefix, new Dictionary<string, Tensor>
        {
            [$"{scope}/inception_i3d/Conv3d_1a_7x7/conv_3d/w"] = randn([7, 7, 7, channels, 64]) * 0.01,
            [$"{scope}/inception_i3d/Conv3d_1a_7x7/batch_norm/beta"] = beta,
            [$"{scope}/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_mean"] = randn(64),
            [$"{scope}/inception_i3d/Conv3d_1a_7x7/batch_norm/moving_variance"] = rand(64) + 0.5,
        });
        return prefix;
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void LoadsEachStreamAndRefusesSwappedOrUnfitCheckpointsBeforeCopying()
    {
        using var scope = NewDisposeScope();
        var rgbBeta = randn(64);
        var flowBeta = randn(64);
        var rgb = WriteStem("rgb", "RGB", 3, rgbBeta);
        var flow = WriteStem("flow", "Flow", 2, flowBeta);
        using var model = new TwoStreamI3D(400);

        var (rgbResult, flowResult) = KineticsI3DCheckpoint.Load(model, rgb, flow, strict: false);

        rgbResult.Loaded.Should().Contain("Conv3d_1a_7x7.bn.bias");
        flowResult.Loaded.Should().Contain("Conv3d_1a_7x7.conv3d.weight");
        Same(model.Rgb.state_dict()["Conv3d_1a_7x7.bn.bias"], rgbBeta).Should().BeTrue();
        Same(model.Flow.state_dict()["Conv3d_1a_7x7.bn.bias"], flowBeta).Should().BeTrue();

        var swapped = () => KineticsI3DCheckpoint.Load(model, flow, rgb, strict: false);
        swapped.Should().Throw<InvalidDataException>().WithMessage("*flow*model.ckpt.index' holds the Flow stream, but was given as the RGB checkpoint; pass it as flowPath*");

        // A flow checkpoint with RGB's 3 input channels fails its check, and the RGB stream is left as it was.
        var badFlow = WriteStem("bad-flow", "Flow", 3, randn(64));
        var newRgb = WriteStem("rgb2", "RGB", 3, randn(64));
        var bad = () => KineticsI3DCheckpoint.Load(model, newRgb, badFlow, strict: false);
        bad.Should().Throw<InvalidDataException>().WithMessage("*bad-flow*shape mismatch for 'Conv3d_1a_7x7.conv3d.weight'*");
        Same(model.Rgb.state_dict()["Conv3d_1a_7x7.bn.bias"], rgbBeta).Should().BeTrue("nothing is copied when either stream fails");

        var strictLoad = () => KineticsI3DCheckpoint.Load(model, rgb, flow);
        strictLoad.Should().Throw<InvalidDataException>().WithMessage("*missing key(s)*'Mixed_3b.b0.conv3d.weight'*");
    }
}
