using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Input;

/// <summary>The rule every -Timeout follows: positive, and at most a week (kubectl wait's longest).</summary>
public static class TimeoutRule
{
    /// <summary>The longest -Timeout.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(7);

    /// <summary>A terminating error with the cmdlet's own id when <paramref name="timeout"/> breaks the rule; called before connecting.</summary>
    public static void Require(TimeSpan timeout, string errorId)
    {
        if (timeout <= TimeSpan.Zero || timeout > Max)
        {
            throw new MeshClusterException(errorId, ErrorCategory.InvalidArgument,
                $"-Timeout must be positive and at most {Max.TotalDays:0} days; it is {timeout}.", timeout, terminating: true);
        }
    }

    /// <summary>A timeout as a person reads it: "1 ms", "2.5 s", "300 s" (a tiny one never shows as "0 s").</summary>
    public static string Text(TimeSpan timeout) => timeout < TimeSpan.FromSeconds(1)
        ? $"{timeout.TotalMilliseconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} ms"
        : $"{timeout.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} s";
}
