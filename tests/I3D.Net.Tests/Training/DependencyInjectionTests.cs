using I3D.Net.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace I3D.Net.Tests.Training;

public class DependencyInjectionTests
{
    [Fact]
    public void InvalidOptionsFailStartupValidation()
    {
        var services = new ServiceCollection();
        services.AddI3DTraining(o => { o.Epochs = 0; o.Optimizer.LearningRate = -1; });
        using var provider = services.BuildServiceProvider();
        var act = () => provider.GetRequiredService<IStartupValidator>().Validate();
        act.Should().Throw<OptionsValidationException>()
            .Which.Failures.Should().Contain(f => f.Contains("Epochs")).And.Contain(f => f.Contains("LearningRate"));
    }

    [Fact]
    public void FactoryCreatesTrainersWithConfiguredOptionsLoggerAndCallbacks()
    {
        var logger = new ListLogger<I3DTrainer>();
        var services = new ServiceCollection();
        services.AddSingleton<ILoggerFactory>(new SingleLoggerFactory(logger));
        services.AddSingleton<ITrainingCallback, CountingCallback>();
        services.AddI3DTraining(o => { o.Epochs = 3; o.Seed = 42; o.Freeze.TrainFromEndpoint = "Mixed_4b"; });
        using var provider = services.BuildServiceProvider();
        provider.GetRequiredService<IStartupValidator>().Validate();

        using var model = new TinyClassifier();
        var trainer = provider.GetRequiredService<ITrainerFactory>().Create(ClassifierAdapter.Rgb(model));
        trainer.DefaultOptions.Epochs.Should().Be(3);
        trainer.DefaultOptions.Seed.Should().Be(42);
        trainer.DefaultOptions.Freeze.TrainFromEndpoint.Should().Be("Mixed_4b");
    }

    [Fact]
    public void ValidatorNamesEveryProblem()
    {
        var errors = TrainingOptionsValidator.GetErrors(new TrainingOptions
        {
            GradientAccumulationSteps = 0,
            Freeze = { TrainFromEndpoint = "Mixed_9z" },
            Schedule = { Kind = LearningRateScheduleKind.Piecewise, Boundaries = [10, 5], Factors = [1, 0.1] },
            Checkpoint = new CheckpointOptions { KeepLast = 0 },
            Device = "tpu:7",
        });
        errors.Should().Contain(e => e.Contains("GradientAccumulationSteps"))
            .And.Contain(e => e.Contains("Mixed_9z"))
            .And.Contain(e => e.Contains("one more factor"))
            .And.Contain(e => e.Contains("ascending"))
            .And.Contain(e => e.Contains("KeepLast"))
            .And.Contain(e => e.Contains("tpu:7"));
        var act = () => new I3DTrainer(ClassifierAdapter.Rgb(new PassThroughClassifier(2)), new TrainingOptions { Epochs = -1 });
        act.Should().Throw<ArgumentException>().WithMessage("*Epochs must be at least 1, found -1*");
    }

    private sealed class CountingCallback : ITrainingCallback;

    private sealed class SingleLoggerFactory(ILogger logger) : ILoggerFactory
    {
        public void AddProvider(ILoggerProvider provider) { }
        public ILogger CreateLogger(string categoryName) => logger;
        public void Dispose() { }
    }
}
