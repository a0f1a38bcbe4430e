namespace I3D.Net.Tool;

/// <summary>The tool's exit codes (docs/cli.md).</summary>
internal static class ExitCodes
{
    /// <summary>Everything succeeded.</summary>
    public const int Ok = 0;

    /// <summary>An item or the job failed (a video that cannot be decoded, an incomplete dataset, a weights file that fails verification).</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong: unknown command or option, a bad value, a missing input.</summary>
    public const int Usage = 2;

    /// <summary>Cancelled with Ctrl+C (128 + SIGINT, as shells report it).</summary>
    public const int Cancelled = 130;
}
