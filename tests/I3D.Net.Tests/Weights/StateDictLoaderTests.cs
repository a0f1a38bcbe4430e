using I3D.Net.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

public sealed class StateDictLoaderTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static TinyConvBnNet Trained(int seed)
    {
        torch.manual_seed(seed);
        var net = new TinyConvBnNet();
        net.train();
        using (torch.no_grad())
        {
            // A few forward passes give the buffers non-default values.
            for (var i = 0; i < 3; i++)
            {
                using var y = net.forward(randn([2, 3, 4, 5, 5]));
            }

            foreach (var (_, p) in net.named_parameters())
            {
                p.add_(0.25);
            }
        }

        return net;
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void ShouldEqual(IReadOnlyDictionary<string, Tensor> actual, IReadOnlyDictionary<string, Tensor> expected)
    {
        actual.Keys.Should().BeEquivalentTo(expected.Keys);
        foreach (var (key, value) in expected)
        {
            actual[key].dtype.Should().Be(value.dtype, key);
            Same(actual[key], value).Should().BeTrue(key);
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    [Fact]
    public void SavedModelLoadsIntoAFreshModelExactly()
    {
        using var scope = NewDisposeScope();
        var source = Trained(1);
        var path = _temp.File("tiny.safetensors");
        StateDictLoader.Save(source, path, new Dictionary<string, string> { ["arch"] = "tiny" });

        var fresh = new TinyConvBnNet();
        var before = Snapshot(fresh);
        Same(before["bn.running_mean"], source.state_dict()["bn.running_mean"]).Should().BeFalse("the test needs trained buffers");

        var result = StateDictLoader.LoadSafeTensors(fresh, path);

        result.Loaded.Should().BeEquivalentTo("conv.weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked");
        result.Missing.Should().BeEmpty();
        result.Unexpected.Should().BeEmpty();
        ShouldEqual(fresh.state_dict(), source.state_dict());
        fresh.state_dict()["bn.num_batches_tracked"].item<long>().Should().Be(3);
    }

    [Fact]
    public void LoadingKeepsParameterIdentityAndRequiresGrad()
    {
        using var scope = NewDisposeScope();
        var source = Snapshot(Trained(2));
        var net = new TinyConvBnNet();
        var convWeight = net.named_parameters().Single(p => p.name == "conv.weight").parameter;
        convWeight.requires_grad = false;

        StateDictLoader.Load(net, source);

        var after = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        after["conv.weight"].Handle.Should().Be(convWeight.Handle, "values are copied in place");
        after["conv.weight"].requires_grad.Should().BeFalse();
        after["bn.weight"].requires_grad.Should().BeTrue();
        Same(after["conv.weight"], source["conv.weight"]).Should().BeTrue();
    }

    [Fact]
    public void MismatchesAreAllNamedAndNothingIsCopied()
    {
        using var scope = NewDisposeScope();
        var source = Snapshot(Trained(3));
        source["conv.weight"] = zeros([4, 3, 1, 3, 3]);
        source["bn.bias"] = zeros(4, dtype: ScalarType.Int32);
        source.Remove("bn.running_var");
        source["head.weight"] = zeros(2);

        var net = new TinyConvBnNet();
        var before = Snapshot(net);
        var act = () => StateDictLoader.Load(net, source, strict: true, sourceName: "ckpt.safetensors");

        act.Should().Throw<InvalidDataException>()
            .WithMessage("*'ckpt.safetensors'*TinyConvBnNet*nothing was copied*")
            .And.Message.Should()
            .ContainAll(
                "1 missing key(s): 'bn.running_var'",
                "1 unexpected key(s): 'head.weight'",
                "shape mismatch for 'conv.weight': the model expects [4, 3, 3, 3, 3], the source has [4, 3, 1, 3, 3]",
                "dtype mismatch for 'bn.bias': the model expects Float32, the source has Int32");
        ShouldEqual(net.state_dict(), before);
    }

    [Fact]
    public void NonStrictLoadReportsMissingAndUnexpected()
    {
        using var scope = NewDisposeScope();
        var source = Snapshot(Trained(4));
        source.Remove("bn.running_var");
        source.Remove("bn.weight");
        source["extra.bias"] = ones(1);
        var net = new TinyConvBnNet();
        var before = Snapshot(net);

        var strict = () => StateDictLoader.Load(net, source);
        strict.Should().Throw<InvalidDataException>().WithMessage("*2 missing key(s): 'bn.weight', 'bn.running_var'*1 unexpected key(s): 'extra.bias'*");

        var result = StateDictLoader.Load(net, source, strict: false);
        result.Missing.Should().Equal("bn.weight", "bn.running_var");
        result.Unexpected.Should().Equal("extra.bias");
        result.Loaded.Should().BeEquivalentTo("conv.weight", "bn.bias", "bn.running_mean", "bn.num_batches_tracked");
        var state = net.state_dict();
        Same(state["bn.running_var"], before["bn.running_var"]).Should().BeTrue("missing keys keep their values");
        Same(state["bn.bias"], source["bn.bias"]).Should().BeTrue();
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    public void FloatingSourcesAreConvertedToTheModelDType(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var original = Snapshot(Trained(5));
        var source = original.ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to(dtype) : kv.Value.to(ScalarType.Int32));
        var net = new TinyConvBnNet();

        var result = StateDictLoader.Load(net, source);

        result.Converted.Should().BeEquivalentTo(original.Keys);
        var state = net.state_dict();
        state["conv.weight"].dtype.Should().Be(ScalarType.Float32);
        state["bn.num_batches_tracked"].dtype.Should().Be(ScalarType.Int64);
        Same(state["conv.weight"], source["conv.weight"].to(ScalarType.Float32)).Should().BeTrue();
        state["bn.num_batches_tracked"].item<long>().Should().Be(3);
    }

    [Fact]
    public void PrefixedKeysGetAHint()
    {
        using var scope = NewDisposeScope();
        var plain = Snapshot(Trained(8));
        var prefixed = plain.ToDictionary(kv => "module." + kv.Key, kv => kv.Value);
        var net = new TinyConvBnNet();

        FluentActions.Invoking(() => StateDictLoader.Load(net, prefixed))
            .Should().Throw<InvalidDataException>().WithMessage("*every source key carries an extra 'module.' prefix*");

        var wrapper = nn.Sequential(("rgb", net));
        FluentActions.Invoking(() => StateDictLoader.Load(wrapper, plain))
            .Should().Throw<InvalidDataException>().WithMessage("*the model's keys start with 'rgb.' but the source's do not*");
    }

    [Fact]
    public void CheckValidatesWithoutCopying()
    {
        using var scope = NewDisposeScope();
        var source = Snapshot(Trained(7));
        source.Remove("bn.bias");
        var net = new TinyConvBnNet();
        var before = Snapshot(net);

        var result = StateDictLoader.Check(net, source, strict: false);

        result.Loaded.Should().HaveCount(5);
        result.Missing.Should().Equal("bn.bias");
        ShouldEqual(net.state_dict(), before);
        FluentActions.Invoking(() => StateDictLoader.Check(net, source, sourceName: "x.safetensors"))
            .Should().Throw<InvalidDataException>().WithMessage("*'x.safetensors'*1 missing key(s): 'bn.bias'*");
    }

    [Fact]
    public void MissingBatchCounterDoesNotFailStrictLoading()
    {
        using var scope = NewDisposeScope();
        var source = Snapshot(Trained(6));
        source.Remove("bn.num_batches_tracked");
        var net = new TinyConvBnNet();

        var result = StateDictLoader.Load(net, source);

        result.Missing.Should().Equal("bn.num_batches_tracked");
        Same(net.state_dict()["bn.running_mean"], source["bn.running_mean"]).Should().BeTrue();
    }

    [Theory]
    [InlineData(ScalarType.Float32, ScalarType.Int64, false)]
    [InlineData(ScalarType.Int64, ScalarType.Float32, false)]
    [InlineData(ScalarType.Bool, ScalarType.Float32, false)]
    [InlineData(ScalarType.BFloat16, ScalarType.Float64, true)]
    [InlineData(ScalarType.Int32, ScalarType.Int64, true)]
    public void ConversionRules(ScalarType from, ScalarType to, bool allowed) =>
        StateDictLoader.CanConvert(from, to).Should().Be(allowed);
}
