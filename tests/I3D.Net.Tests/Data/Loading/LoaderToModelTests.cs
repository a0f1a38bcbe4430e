using I3D.Net.Data.Loading;
using I3D.Net.Data.Transforms;
using I3D.Net.Models;
using static TorchSharp.torch;

namespace I3D.Net.Tests.Data.Loading;

public class LoaderToModelTests(SyntheticDatasetFixture data) : IClassFixture<SyntheticDatasetFixture>
{
    [Fact]
    public async Task Synthetic_videos_flow_through_the_loader_into_InceptionI3D()
    {
        var loader = new VideoClipLoader(data.All, ClipLoaderOptions.Evaluation with
        {
            BatchSize = 2,
            ClipLength = 9,
            Transform = new ClipTransformOptions { ShortSide = 64, CropSize = 64 },
        });
        using var model = new InceptionI3D(numClasses: loader.ClassNames.Count);
        model.eval();
        await using var batches = loader.ReadEpochAsync(0).GetAsyncEnumerator();
        (await batches.MoveNextAsync()).Should().BeTrue();
        using var batch = batches.Current;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.forward(batch.Rgb!);
        logits.shape.Should().Equal(2, 3);
        logits.isfinite().all().item<bool>().Should().BeTrue();
        batch.Labels.shape.Should().Equal(2);
    }
}

public class LoaderToTrainerTests(SyntheticDatasetFixture data) : IClassFixture<SyntheticDatasetFixture>
{
    /// <summary>A tiny video classifier: one 3D conv, global pooling, a linear layer.</summary>
    private sealed class TinyVideoNet : TorchSharp.torch.nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Conv3d conv;
        private readonly TorchSharp.Modules.Linear fc;

        public TinyVideoNet(int classes) : base(nameof(TinyVideoNet))
        {
            conv = TorchSharp.torch.nn.Conv3d(3, 4, 3, stride: 2);
            fc = TorchSharp.torch.nn.Linear(4, classes);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using var scope = NewDisposeScope();
            var h = TorchSharp.torch.nn.functional.relu(conv.forward(x)).mean([2, 3, 4]);
            return fc.forward(h).MoveToOuterDisposeScope();
        }
    }

    [Fact]
    public async Task The_trainer_fits_and_evaluates_on_loader_batches_with_test_time_clips()
    {
        var train = new VideoClipLoader(data.All, ClipLoaderOptions.Training with
        {
            BatchSize = 4,
            ClipLength = 8,
            Workers = 2,
            Transform = ClipTransformOptions.Training with { ShortSide = 40, CropSize = 32 },
        });
        var validation = new VideoClipLoader(data.All, ClipLoaderOptions.Evaluation with
        {
            BatchSize = 6,
            ClipLength = 8,
            Sampling = ClipSamplingMode.EvenlySpaced,
            ClipsPerSample = 2,
            Transform = new ClipTransformOptions { ShortSide = 32, CropSize = 32 },
        });
        using var model = new TinyVideoNet(train.ClassNames.Count);
        var trainer = new I3D.Net.Training.I3DTrainer(I3D.Net.Training.ClassifierAdapter.Rgb(model));
        var result = await trainer.FitAsync(train, validation, new I3D.Net.Training.TrainingOptions
        {
            Epochs = 1,
            Device = "cpu",
            Optimizer = new() { LearningRate = 0.01 },
        });
        result.EpochsCompleted.Should().Be(1);
        result.Steps.Should().Be(3);
        var metrics = await trainer.EvaluateAsync(validation, new I3D.Net.Training.TrainingOptions { Device = "cpu" });
        metrics.SampleCount.Should().Be(12, "K = 2 clips per video are averaged into one prediction per video");
        metrics.ConfusionMatrix.Sum(row => row.Sum()).Should().Be(12);
    }
}
