using System.Globalization;

namespace I3D.Net.Benchmarks.Verify;

/// <summary>Outcome of one verification line.</summary>
internal enum VerifyOutcome
{
    Pass,
    Fail,

    /// <summary>Cannot be measured here (the reason is in the measured column); neither passes nor fails the run.</summary>
    NotApplicable,
}

/// <summary>One line of the table: what was checked, the measured number, its tolerance and the outcome.</summary>
internal sealed record VerifyRow(string Check, string Measured, string Tolerance, VerifyOutcome Outcome, double Seconds = 0)
{
    public static VerifyRow AtMost(string check, double measured, double tolerance, string unit = "") =>
        new(check, Format(measured) + unit, "≤ " + Format(tolerance) + unit, double.IsFinite(measured) && measured <= tolerance ? VerifyOutcome.Pass : VerifyOutcome.Fail);

    public static string Format(double value) =>
        value == 0 ? "0" : Math.Abs(value) is >= 1e-3 and < 1e4 ? value.ToString("G4", CultureInfo.InvariantCulture) : value.ToString("0.00e+0", CultureInfo.InvariantCulture);

    public string Result => Outcome switch { VerifyOutcome.Pass => "PASS", VerifyOutcome.Fail => "FAIL", _ => "n/a" };
}
