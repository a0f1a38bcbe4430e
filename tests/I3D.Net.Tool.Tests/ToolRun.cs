using System.Text.Json;

namespace I3D.Net.Tool.Tests;

/// <summary>What one in-process run of <c>i3d</c> returned and wrote.</summary>
internal sealed record ToolRun(int ExitCode, string Out, string Error)
{
    /// <summary>Runs <paramref name="args"/> through <see cref="ToolApp"/> with stdout and stderr captured.</summary>
    public static Task<ToolRun> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    /// <summary>Runs <paramref name="args"/> with <paramref name="cancellationToken"/> as Ctrl+C would cancel it.</summary>
    public static async Task<ToolRun> RunAsync(CancellationToken cancellationToken, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ToolApp.RunAsync(args, ToolEnvironment.ForWriters(output, error), cancellationToken);
        return new ToolRun(code, output.ToString(), error.ToString());
    }

    /// <summary>stdout parsed as JSON.</summary>
    public JsonElement Json => JsonDocument.Parse(Out).RootElement;

    /// <summary>The lines written to stderr.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}
