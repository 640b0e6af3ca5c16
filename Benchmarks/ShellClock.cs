using System.Globalization;
using System.Text.RegularExpressions;

namespace Benchmarks;

/// <summary>
/// Timing by the guest's own clock: a command typed between two readings of the shell's $EPOCHREALTIME
/// (busybox ash and bash have it, in microseconds; reading it forks nothing), with a result echoed after.
/// </summary>
public static partial class ShellClock
{
    /// <summary><paramref name="command"/> between two readings of the guest's clock, then <paramref name="result"/>.</summary>
    public static string Time(string command, string result) => $"t0=$EPOCHREALTIME; {command}; t1=$EPOCHREALTIME; echo \"@T $t0 $t1 {result}\"";

    /// <summary>The seconds between the two readings in what <see cref="Time"/>'s command printed, and its result.</summary>
    public static (double Seconds, string Result) Timed(string output, string side)
    {
        var match = TimedLine().Match(output);
        if (!match.Success)
        {
            throw new InvalidOperationException($"{side}: no timing line:\n{output}");
        }

        var seconds = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) - double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return (seconds, match.Groups[3].Value.Trim());
    }

    [GeneratedRegex(@"(?m)^@T ([0-9.]+) ([0-9.]+)(.*)$")]
    private static partial Regex TimedLine();
}
