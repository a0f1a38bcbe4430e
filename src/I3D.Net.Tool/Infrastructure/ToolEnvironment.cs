using Spectre.Console;

namespace I3D.Net.Tool;

/// <summary>Where a command writes: results on <see cref="Out"/>, errors on <see cref="Error"/>, progress bars on <see cref="Progress"/>.</summary>
/// <param name="Out">Results for people: tables and lines (stdout).</param>
/// <param name="Json">Results for scripts (<c>--json</c>): raw text, never wrapped or coloured (stdout).</param>
/// <param name="Error">One line per error (stderr).</param>
/// <param name="Progress">Progress bars (stderr), or null when stderr is not a terminal (logs and tests stay clean).</param>
internal sealed record ToolEnvironment(IAnsiConsole Out, TextWriter Json, TextWriter Error, IAnsiConsole? Progress)
{
    /// <summary>The process's console: stdout for results, stderr for errors and progress.</summary>
    public static ToolEnvironment FromConsole()
    {
        var progress = Console.IsErrorRedirected ? null : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return new ToolEnvironment(AnsiConsole.Console, Console.Out, Console.Error, progress);
    }

    /// <summary>Everything into <paramref name="output"/> and <paramref name="error"/>, without colours, 200 columns wide, no progress bars (tests).</summary>
    public static ToolEnvironment ForWriters(TextWriter output, TextWriter error)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 200;
        return new ToolEnvironment(console, output, error, null);
    }

    /// <summary>Writes <c>i3d: error: …</c> on one line (newlines in the message are joined) to <see cref="Error"/>.</summary>
    public void WriteError(string message) =>
        Error.WriteLine("i3d: error: " + message.ReplaceLineEndings(" ").Trim());
}
