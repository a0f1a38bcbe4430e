using Spectre.Console;

namespace I3D.Net.Tool;

/// <summary>Where a command writes: results on <see cref="Out"/>, errors on <see cref="Error"/>, progress bars on <see cref="Progress"/>.</summary>
/// <param name="Out">Tables for people (stdout).</param>
/// <param name="Text">Lines and <c>--json</c> documents: raw text, never wrapped or coloured (stdout, the same writer as <paramref name="Out"/>'s).</param>
/// <param name="Error">One line per error (stderr).</param>
/// <param name="Progress">Progress bars (stderr), or null when stderr is not a terminal (logs and tests stay clean).</param>
internal sealed record ToolEnvironment(IAnsiConsole Out, TextWriter Text, TextWriter Error, IAnsiConsole? Progress)
{
    /// <summary>The process's console: stdout for results, stderr for errors and progress.</summary>
    public static ToolEnvironment FromConsole()
    {
        var progress = Console.IsErrorRedirected ? null : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var output = AnsiConsole.Console;
        if (Console.IsOutputRedirected)
            output.Profile.Width = 160;   // a file or a pipe has no width: keep table rows on one line
        return new ToolEnvironment(output, Console.Out, Console.Error, progress);
    }

    /// <summary>
    /// Everything into <paramref name="output"/> and <paramref name="error"/>, without colours, 200 columns wide;
    /// progress bars into <paramref name="progress"/> as an ANSI terminal receives them, when given (tests).
    /// </summary>
    public static ToolEnvironment ForWriters(TextWriter output, TextWriter error, TextWriter? progress = null) =>
        new(Plain(output), output, error, progress is null ? null : Plain(progress, interactive: true));

    private static IAnsiConsole Plain(TextWriter writer, bool interactive = false)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = interactive ? AnsiSupport.Yes : AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Yes : InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return console;
    }

    /// <summary>Writes one line of results to <see cref="Text"/>.</summary>
    public void WriteLine(string line) => Text.WriteLine(line);

    /// <summary>Writes <c>i3d: error: …</c> on one line (newlines in the message are joined) to <see cref="Error"/>.</summary>
    public void WriteError(string message) =>
        Error.WriteLine("i3d: error: " + message.ReplaceLineEndings(" ").Trim());
}
