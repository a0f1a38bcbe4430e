using Spectre.Console;

namespace I3D.Net.Tool;

/// <summary>
/// A Spectre.Console progress bar on stderr while a job runs, when stderr is a terminal; otherwise nothing (the
/// results and errors are the output that scripts and logs keep).
/// </summary>
internal static class ProgressBar
{
    /// <summary>Runs <paramref name="work"/>, giving it a callback that sets the bar's value (done, total, what just finished).</summary>
    public static async Task<T> RunAsync<T>(ToolEnvironment environment, string title, Func<Action<double, double, string?>, Task<T>> work)
    {
        if (environment.Progress is not { } console)
            return await work((_, _, _) => { });
        return await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: 1);
                var result = await work((done, total, what) =>
                {
                    task.MaxValue = Math.Max(total, 1e-9);
                    task.Value = done;
                    if (what is not null) task.Description = Markup.Escape($"{title}: {what}");
                });
                task.StopTask();
                return result;
            });
    }
}

/// <summary>An <see cref="IProgress{T}"/> that reports on the calling thread (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
