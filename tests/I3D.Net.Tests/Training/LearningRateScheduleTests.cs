using I3D.Net.Training;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class LearningRateScheduleTests
{
    [Fact]
    public void PiecewiseFollowsTheReference()
    {
        var s = new LearningRateSchedule(new LearningRateScheduleOptions
        {
            Kind = LearningRateScheduleKind.Piecewise, Boundaries = [100, 200], Factors = [1, 0.1, 0.01],
        }, 0.1, 300);
        s.At(0).Should().Be(0.1);
        s.At(99).Should().Be(0.1);
        s.At(100).Should().BeApproximately(0.01, 1e-15);
        s.At(199).Should().BeApproximately(0.01, 1e-15);
        s.At(200).Should().BeApproximately(0.001, 1e-15);
        s.At(299).Should().BeApproximately(0.001, 1e-15);
    }

    [Fact]
    public void CosineWithWarmup()
    {
        var s = new LearningRateSchedule(new LearningRateScheduleOptions
        {
            Kind = LearningRateScheduleKind.Cosine, WarmupSteps = 4, MinimumFactor = 0.1,
        }, 1.0, 14);
        s.At(0).Should().BeApproximately(0.25, 1e-12);
        s.At(1).Should().BeApproximately(0.5, 1e-12);
        s.At(3).Should().BeApproximately(1.0, 1e-12);
        s.At(4).Should().BeApproximately(1.0, 1e-12);
        // Halfway through the 9 decay intervals after warmup: 0.1 + 0.9 * 0.5 * (1 + cos(pi/2)).
        s.At(8).Should().BeApproximately(0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * 4 / 9)), 1e-12);
        s.At(13).Should().BeApproximately(0.1, 1e-12);
        Enumerable.Range(4, 10).Select(i => s.At(i)).Should().BeInDescendingOrder();
    }

    [Fact]
    public void ConstantWithWarmupFromAStartFactor()
    {
        var s = new LearningRateSchedule(new LearningRateScheduleOptions { WarmupSteps = 2, WarmupStartFactor = 0.5 }, 0.2, 10);
        s.At(0).Should().BeApproximately(0.2 * (0.5 + 0.5 * 1 / 2.0), 1e-15);
        s.At(1).Should().BeApproximately(0.2, 1e-15);
        s.At(9).Should().Be(0.2);
    }

    [Fact]
    public async Task TheTrainerSetsTheScheduledRateOnEveryGroupEachStep()
    {
        using var model = new TinyClassifier();
        using var data = new SyntheticClipSource(samples: 16, batchSize: 4);
        var seen = new List<TrainingProgress>();
        var options = new TrainingOptions
        {
            Epochs = 2, Device = TestDevice.Name,
            Optimizer = { LearningRate = 0.1, Groups = [new ParameterGroupOptions("logits.", 0.5)] },
            Schedule = { Kind = LearningRateScheduleKind.Piecewise, Boundaries = [3, 6], Factors = [1, 0.1, 0.01] },
        };
        var spy = new GroupRateSpy();
        await new I3DTrainer(ClassifierAdapter.Rgb(model), callbacks: [spy]).FitAsync(data, options: options, progress: new SyncProgress<TrainingProgress>(seen.Add));
        seen.Select(p => p.LearningRate).Should().Equal(0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.01, 0.1 * 0.01);
    }

    private sealed class GroupRateSpy : ITrainingCallback;
}
