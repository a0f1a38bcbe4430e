using I3D.Net.Weights;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Weights;

/// <summary>The limits of <see cref="WeightsReadOptions"/>: genuine files fit them, and each is configurable.</summary>
public sealed class WeightsReadOptionsTests
{
    static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "weights", name);

    [Theory]
    [InlineData("small_state_dict.pth")]
    [InlineData("small_state_dict_legacy.pth")]
    public void Files_written_by_PyTorch_need_under_4_KB_of_pickle_objects_per_tensor(string name)
    {
        // docs/weights.md states the object budget per tensor: measure it on torch.save's own pickles (the smallest
        // budget that loads the file, by bisection) and check the bound.
        using var scope = NewDisposeScope();
        var count = PyTorchStateDict.Load(Fixture(name)).Count;
        count.Should().BeGreaterThan(3);
        long low = 1, high = 1 << 20;
        while (low < high)
        {
            var mid = (low + high) / 2;
            try
            {
                PyTorchStateDict.Load(Fixture(name), null, new WeightsReadOptions { MaxPickleObjectBytes = mid });
                high = mid;
            }
            catch (InvalidDataException e) when (e.Message.Contains("MaxPickleObjectBytes"))
            {
                low = mid + 1;
            }
        }
        // Measured: 27,060 bytes for 11 tensors (zip) and 27,614 (legacy), about 2.5 KB each.
        (low / count).Should().BeLessThan(4096, $"{name} needs {low} bytes for {count} tensors");

        var tight = () => PyTorchStateDict.Load(Fixture(name), null, new WeightsReadOptions { MaxPickleObjectBytes = low - 1 });
        tight.Should().Throw<InvalidDataException>().WithMessage($"*{name}*MaxPickleObjectBytes*");
    }

    [Fact]
    public void Expanded_views_load_when_the_caller_opts_in()
    {
        // One float viewed as [1000] with stride 0 (what torch.zeros(1).expand(1000) saves).
        using var scope = NewDisposeScope();
        var pickle = new PickleBuilder().Proto().BeginDict().Str("bias")
            .Tensor("FloatStorage", "0", 1, 0, [1000], [0]).EndDict().ToArray();
        var bytes = Hostile.WeightsHostileFiles.ZipPt(pickle, ("0", Hostile.WeightsHostileFiles.Floats(2.5f)));

        var refused = () => PyTorchStateDict.Load(new MemoryStream(bytes), "expanded.pt");
        refused.Should().Throw<InvalidDataException>().WithMessage("*expanded.pt*'bias'*4000 bytes*4 bytes*AllowTensorsLargerThanStorage*");

        var sd = PyTorchStateDict.Load(new MemoryStream(bytes), "expanded.pt", null, new WeightsReadOptions { AllowTensorsLargerThanStorage = true });
        sd["bias"].shape.Should().Equal(1000);
        sd["bias"].eq(2.5f).all().item<bool>().Should().BeTrue();
        sd["bias"].is_contiguous().Should().BeTrue();
    }

    [Fact]
    public void Shared_storages_within_the_reuse_limit_still_load()
    {
        // Tied weights: three keys viewing one storage (3× its size, under the default 8×).
        using var scope = NewDisposeScope();
        var pickle = new PickleBuilder().Proto().BeginDict();
        foreach (var key in new[] { "embed.weight", "head.weight", "aux.weight" })
            pickle.Str(key).Tensor("FloatStorage", "0", 4, 0, [2, 2], [2, 1]);
        var bytes = Hostile.WeightsHostileFiles.ZipPt(pickle.EndDict().ToArray(), ("0", Hostile.WeightsHostileFiles.Floats(1, 2, 3, 4)));

        var sd = PyTorchStateDict.Load(new MemoryStream(bytes), "tied.pt");
        sd.Should().HaveCount(3);
        sd["head.weight"].allclose(tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2)).Should().BeTrue();

        var strict = () => PyTorchStateDict.Load(new MemoryStream(bytes), "tied.pt", null, new WeightsReadOptions { MaxStorageReuse = 2 });
        strict.Should().Throw<InvalidDataException>().WithMessage("*tied.pt*'aux.weight'*MaxStorageReuse*");
    }

    [Theory]
    [InlineData(nameof(WeightsReadOptions.MaxPickleBytes))]
    [InlineData(nameof(WeightsReadOptions.MaxIndexKeyBytes))]
    [InlineData(nameof(WeightsReadOptions.MaxZipCompressionRatio))]
    public void Non_positive_limits_are_rejected(string property)
    {
        var options = property switch
        {
            nameof(WeightsReadOptions.MaxPickleBytes) => new WeightsReadOptions { MaxPickleBytes = 0 },
            nameof(WeightsReadOptions.MaxIndexKeyBytes) => new WeightsReadOptions { MaxIndexKeyBytes = -1 },
            _ => new WeightsReadOptions { MaxZipCompressionRatio = 0 },
        };
        var act = () => PyTorchStateDict.Load(new MemoryStream([1, 2, 3, 4]), "x.pt", null, options);
        act.Should().Throw<ArgumentException>().WithMessage($"*{property}*").Which.ParamName.Should().Be(property);
    }
}

/// <summary>WeightsReadOptions and VideoClassifierOptions report every problem at once, like the other options records.</summary>
public class WeightsAndClassifierOptionsValidationTests
{
    [Fact]
    public void Weights_read_options_list_every_non_positive_limit()
    {
        var options = new WeightsReadOptions { MaxPickleBytes = 0, MaxStorageReuse = -2, MaxIndexTotalKeyBytes = 0 };
        var error = options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which;
        error.Message.Should().StartWith("Invalid weights read options (3 problems):")
            .And.Contain("WeightsReadOptions.MaxPickleBytes must be positive; found 0.")
            .And.Contain("WeightsReadOptions.MaxStorageReuse must be positive; found -2.")
            .And.Contain("WeightsReadOptions.MaxIndexTotalKeyBytes must be positive; found 0.");
        WeightsReadOptions.Default.Invoking(o => o.Validate()).Should().NotThrow();
    }

    [Fact]
    public void Video_classifier_options_list_every_problem_including_the_flow_settings()
    {
        var options = new I3D.Net.Inference.VideoClassifierOptions
        {
            Clips = 0,
            Crops = 2,
            BatchSize = 0,
            Flow = new I3D.Net.Flow.FlowSettings { Bound = 0 },
        };
        var error = options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which;
        error.Message.Should().StartWith("Invalid VideoClassifier options (4 problems):")
            .And.Contain("VideoClassifierOptions.Clips must be at least 1; found 0.")
            .And.Contain("VideoClassifierOptions.Crops must be 1 or 3; found 2.")
            .And.Contain("VideoClassifierOptions.BatchSize must be at least 1; found 0.")
            .And.Contain("Flow setting Bound must be");
    }

    [Fact]
    public void One_problem_keeps_its_own_message_and_parameter_name()
    {
        var error = new I3D.Net.Inference.VideoClassifierOptions { MaxFrames = 0 }.Invoking(o => o.Validate())
            .Should().Throw<ArgumentException>().Which;
        error.ParamName.Should().Be("MaxFrames");
        error.Message.Should().StartWith("VideoClassifierOptions.MaxFrames must be at least 1; found 0.");
    }
}
