using I3D.Net.Data.Loading;
using I3D.Net.Data.Synthetic;
using I3D.Net.Data.Transforms;
using I3D.Net.Data.Video;
using I3D.Net.Flow;
using I3D.Net.Models;

namespace I3D.Net.Tests;

/// <summary>Options records report every problem at once (as <c>TrainingOptionsValidator</c> does), nested records included.</summary>
public class OptionsValidationTests
{
    [Fact]
    public void Clip_loader_options_list_every_problem_including_the_transform_and_reader()
    {
        var options = new ClipLoaderOptions
        {
            BatchSize = 0,
            Workers = 0,
            Transform = ClipTransformOptions.Training with { FlipProbability = 2 },
            Reader = VideoReaderOptions.Default with { FolderFps = 0 },
        };

        var error = options.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which;

        error.Message.Should().StartWith("Invalid clip loader options (4 problems):")
            .And.Contain("BatchSize must be >= 1, found 0.")
            .And.Contain("Workers must be >= 1, found 0.")
            .And.Contain("FlipProbability must be in [0, 1], found 2.")
            .And.Contain("FolderFps must be > 0, found 0.");
    }

    [Fact]
    public void Flow_settings_list_their_own_and_their_methods_problems()
    {
        var settings = new FlowSettings { Bound = 0, TvL1 = new TvL1OpticalFlowOptions { Tau = -1, Warps = 0 } };

        var error = settings.Invoking(s => s.Validate()).Should().Throw<ArgumentException>().Which;

        error.Message.Should().Contain("(3 problems)").And.Contain("Flow setting Bound must be")
            .And.Contain("TV-L1 option Tau must be").And.Contain("TV-L1 option Warps must be");
    }

    [Fact]
    public void A_single_problem_keeps_its_own_message_and_parameter_name()
    {
        var error = new TvL1OpticalFlowOptions { Tau = -1 }.Invoking(o => o.Validate()).Should().Throw<ArgumentException>().Which;

        error.ParamName.Should().Be("Tau");
        error.Message.Should().StartWith("TV-L1 option Tau must be a finite number > 0");
    }

    [Fact]
    public void Model_and_synthetic_dataset_options_collect_too()
    {
        new InceptionI3DOptions { DropoutProbability = 1, BatchNormEpsilon = 0 }.Invoking(o => o.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*(2 problems)*DropoutProbability*BatchNormEpsilon*");
        new SyntheticDatasetOptions { VideosPerClass = 0, Fps = 0, Extension = "avi" }.Invoking(o => o.Validate())
            .Should().Throw<ArgumentException>().WithMessage("*(3 problems)*VideosPerClass*Fps*Extension*");
        new InceptionI3DOptions().Invoking(o => o.Validate()).Should().NotThrow();
        new ClipLoaderOptions().Invoking(o => o.Validate()).Should().NotThrow();
    }
}
