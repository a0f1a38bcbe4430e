// i3d: the I3D.Net command-line tool (docs/cli.md). Ctrl+C cancels the running command (exit code 130).
using I3D.Net.Tool;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C asks the command to stop at its next check (finished items stay finished); a second one kills.
    e.Cancel = !cancel.IsCancellationRequested;
    cancel.Cancel();
};
return await ToolApp.RunAsync(args, ToolEnvironment.FromConsole(), cancel.Token);
