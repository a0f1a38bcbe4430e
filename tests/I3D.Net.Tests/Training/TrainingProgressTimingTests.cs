using I3D.Net.Training;
using static I3D.Net.Tests.Training.TrainingTestHelpers;

namespace I3D.Net.Tests.Training;

[Collection(TrainingCollection.Name)]
[Trait(TestDevice.Trait, TestDevice.Sensitive)]
public class TrainingProgressTimingTests
{
    [Fact]
    public async Task Every_step_reports_steps_done_of_the_total_with_elapsed_time_and_time_left()
    {
        using var model = new TinyClassifier();
        using var train = new SyntheticClipSource(samples: 8, batchSize: 4);
        var trainer = new I3DTrainer(ClassifierAdapter.Rgb(model));
        var steps = new List<TrainingProgress>();

        await trainer.FitAsync(train, null, new TrainingOptions { Epochs = 2, Device = TestDevice.Name }, new SyncProgress<TrainingProgress>(steps.Add));

        steps.Select(s => (s.Timing.Done, s.Timing.Total)).Should().Equal((1L, 4L), (2L, 4L), (3L, 4L), (4L, 4L));
        steps.Select(s => s.Timing.Elapsed).Should().BeInAscendingOrder().And.OnlyContain(t => t > TimeSpan.Zero);
        steps.Take(3).Should().OnlyContain(s => s.Timing.Remaining > TimeSpan.Zero);
        steps[^1].Timing.Remaining.Should().Be(TimeSpan.Zero);
    }
}

public class ProgressTimingTests
{
    [Fact]
    public void Time_left_is_extrapolated_from_the_units_this_run_worked_on()
    {
        var t = ProgressTiming.Measure(done: 4, total: 10, elapsed: TimeSpan.FromSeconds(20), skipped: 2);

        t.Remaining.Should().Be(TimeSpan.FromSeconds(60), "2 worked units took 20 s, 6 remain at 10 s each");
        t.Fraction.Should().Be(0.4);
        t.ToString().Should().Be("4/10 (40 %), 0:00:20 elapsed, about 0:01:00 left");
        ProgressTiming.Measure(3, 10, TimeSpan.FromSeconds(1), skipped: 3).Remaining.Should().BeNull("only skipped units: no rate yet");
        ProgressTiming.Measure(10, 10, TimeSpan.FromSeconds(5), skipped: 10).Remaining.Should().Be(TimeSpan.Zero);
        ProgressTiming.Measure(1, 2, TimeSpan.FromDays(3)).ToString().Should().Contain("3.00:00:00 elapsed");
    }
}
