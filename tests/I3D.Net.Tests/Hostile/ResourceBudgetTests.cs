namespace I3D.Net.Tests.Hostile;

/// <summary>The budget helper itself: it must catch a slow call, a large allocation and a wrong exception type.</summary>
[Collection(HostileInputCollection.Name)]
public sealed class ResourceBudgetTests
{
    [Fact]
    public void A_refused_input_within_budget_passes_and_returns_the_exception()
    {
        var error = ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => throw new InvalidDataException("bad key 'x'"));
        error.Message.Should().Contain("'x'");
    }

    [Fact]
    public void A_large_allocation_fails_the_memory_budget()
    {
        var act = () => ResourceBudget.ShouldThrowWithin<InvalidDataException>(() =>
        {
            var block = new byte[400 << 20];
            Array.Fill(block, (byte)1);   // touch every page, so it is resident
            throw new InvalidDataException("after allocating " + block[^1]);
        });
        act.Should().Throw<Exception>().Where(e => e.Message.Contains("MiB"));
    }

    [Fact]
    public void A_slow_call_fails_the_time_budget()
    {
        var act = () => ResourceBudget.ShouldThrowWithin<InvalidDataException>(
            () => Thread.Sleep(2000), time: TimeSpan.FromMilliseconds(200));
        act.Should().Throw<Exception>().Where(e => e.Message.Contains("still running"));
    }

    [Fact]
    public void The_wrong_exception_type_fails()
    {
        var act = () => ResourceBudget.ShouldThrowWithin<InvalidDataException>(() => throw new OverflowException());
        act.Should().Throw<Exception>().Where(e => e.Message.Contains("InvalidDataException"));
    }
}
