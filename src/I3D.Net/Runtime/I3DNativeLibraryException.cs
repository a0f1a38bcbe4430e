namespace I3D.Net.Runtime;

/// <summary>
/// TorchSharp's native libraries could not be loaded or lack a capability. Unlike TorchSharp's own message, the
/// <see cref="Exception.Message"/> names the actual cause and what to do about it.
/// </summary>
public sealed class I3DNativeLibraryException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="failure">The diagnosed cause.</param>
    /// <param name="message">An actionable description.</param>
    /// <param name="innerException">TorchSharp's or the loader's original exception, if any.</param>
    public I3DNativeLibraryException(NativeLibraryFailure failure, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Failure = failure;
    }

    /// <summary>The diagnosed cause.</summary>
    public NativeLibraryFailure Failure { get; }
}
