namespace I3D.Net;

/// <summary>
/// Collects every problem of an options record before throwing, the way <c>TrainingOptionsValidator</c> does, so a
/// caller fixes all of them in one go. One problem throws exactly the <see cref="ArgumentException"/> a single check
/// would (same message and parameter name); several throw one exception listing them all.
/// </summary>
internal sealed class OptionErrors(string what)
{
    private readonly List<(string Message, string? Parameter)> _errors = [];

    /// <summary>The problems found so far, one message each.</summary>
    public IReadOnlyList<string> Messages => _errors.Select(e => e.Message).ToList();

    /// <summary>Records <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    public void Require(bool ok, string message, string? parameter = null)
    {
        if (!ok)
            _errors.Add((message, parameter));
    }

    /// <summary>Throws when any problem was recorded.</summary>
    public void ThrowIfAny()
    {
        switch (_errors.Count)
        {
            case 0:
                return;
            case 1:
                throw new ArgumentException(_errors[0].Message, _errors[0].Parameter);
            default:
                throw new ArgumentException(
                    $"Invalid {what} ({_errors.Count} problems): " + string.Join(" ", _errors.Select(e => e.Message)));
        }
    }
}
