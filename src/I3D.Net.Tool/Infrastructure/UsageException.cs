namespace I3D.Net.Tool;

/// <summary>The command line asks for something impossible (a missing file, conflicting options): exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
