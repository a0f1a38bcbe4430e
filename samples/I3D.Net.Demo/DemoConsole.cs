using Spectre.Console;

namespace I3D.Net.Demo;

/// <summary>
/// The demo's output: Spectre.Console progress bars and colours on a terminal; plain, line-by-line text when output is
/// redirected (logs, CI) or <c>--plain</c> is given, so files never fill with cursor movements.
/// </summary>
internal sealed class DemoConsole(bool interactive)
{
    public bool Interactive { get; } = interactive;

    public static DemoConsole Create(bool plain)
    {
        var interactive = !plain && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            // No colour codes or cursor control in files; wide enough that tables do not wrap.
            AnsiConsole.Profile.Capabilities.Ansi = false;
            AnsiConsole.Profile.Capabilities.ColorSystem = ColorSystem.NoColors;
            AnsiConsole.Profile.Width = 120;
        }
        return new DemoConsole(interactive);
    }

    /// <summary>A section heading.</summary>
    public void Section(string title)
    {
        if (Interactive) AnsiConsole.Write(new Rule($"[bold]{Markup.Escape(title)}[/]").LeftJustified());
        else Console.WriteLine($"== {title}");
    }

    /// <summary>A line of text (not markup).</summary>
    public void Line(string text) => Console.WriteLine(text);

    /// <summary>A highlighted line of text.</summary>
    public void Highlight(string text)
    {
        if (Interactive) AnsiConsole.MarkupLine($"[green]{Markup.Escape(text)}[/]");
        else Console.WriteLine(text);
    }

    /// <summary>A warning line.</summary>
    public void Warn(string text)
    {
        if (Interactive) AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(text)}[/]");
        else Console.WriteLine($"warning: {text}");
    }

    /// <summary>Renders a table (as text boxes when not interactive).</summary>
    public void Write(Table table) => AnsiConsole.Write(table);

    /// <summary>
    /// Runs <paramref name="work"/> with one progress bar of <paramref name="total"/> units. The callback it gets sets
    /// the units done and a status text; without a terminal, a line is printed every <paramref name="plainEvery"/> units
    /// and at the end.
    /// </summary>
    public async Task<T> ProgressAsync<T>(string description, double total, int plainEvery, Func<Action<double, string>, Task<T>> work)
    {
        if (!Interactive)
        {
            double lastPrinted = 0;
            var gate = new object();
            var result = await work((done, status) =>
            {
                lock (gate)
                {
                    if (done - lastPrinted >= plainEvery || done >= total)
                    {
                        lastPrinted = done;
                        Console.WriteLine(string.IsNullOrEmpty(status) ? $"{description}: {done:0}/{total:0}" : $"{description}: {status}");
                    }
                }
            });
            return result;
        }

        T value = default!;
        await AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: total);
                value = await work((done, status) =>
                {
                    task.Value = done;
                    task.Description = Markup.Escape(string.IsNullOrEmpty(status) ? description : $"{description} {status}");
                });
                task.Value = total;
            });
        return value;
    }
}
