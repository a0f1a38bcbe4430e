namespace I3D.Net.Training;

/// <summary>Thrown when a loss or gradient norm is NaN/infinite under <see cref="NonFiniteLossPolicy.Throw"/>, or when too many steps were skipped.</summary>
public sealed class NonFiniteLossException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(string message) : base(message) { }

    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException() { }

    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(string message, Exception innerException) : base(message, innerException) { }
}
