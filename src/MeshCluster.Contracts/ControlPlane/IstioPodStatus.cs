namespace MeshCluster;

/// <summary>
/// One row of <c>kubectl -n istio-system get pod</c>: NAME READY STATUS RESTARTS AGE, computed the
/// way kubectl computes them. Part of <see cref="IstioControlPlaneStatus"/>.
/// </summary>
public sealed class IstioPodStatus
{
    /// <summary>Made by Wait-IstioControlPlane.</summary>
    public IstioPodStatus(string name, string ready, string status, int restarts, TimeSpan age)
    {
        Name = name;
        Ready = ready;
        Status = status;
        Restarts = restarts;
        Age = age;
    }

    /// <summary>The pod's name.</summary>
    public string Name { get; }

    /// <summary>Containers ready of containers, as "1/1".</summary>
    public string Ready { get; }

    /// <summary>A container's waiting or terminated reason (CrashLoopBackOff, Completed...), else the pod's phase.</summary>
    public string Status { get; }

    /// <summary>Container restarts, as kubectl counts them.</summary>
    public int Restarts { get; }

    /// <summary>Time since the pod was created, when the wait ended.</summary>
    public TimeSpan Age { get; }

    /// <summary>kubectl's AGE text (apimachinery's duration.HumanDuration): 5s, 119s, 3m20s, 136m, 5h12m, 2d3h, 30d, 2y10d.
    /// The format view's AGE column.</summary>
    public static string FormatAge(TimeSpan age)
    {
        var seconds = (long)Math.Truncate(age.TotalSeconds);
        // A clock a second off still reads as "now".
        if (seconds < -1) return "<invalid>";
        if (seconds < 0) return "0s";
        if (seconds < 60 * 2) return $"{seconds}s";

        var minutes = seconds / 60;
        if (minutes < 10)
        {
            var s = seconds % 60;
            return s == 0 ? $"{minutes}m" : $"{minutes}m{s}s";
        }

        if (minutes < 60 * 3) return $"{minutes}m";

        var hours = minutes / 60;
        if (hours < 8)
        {
            var m = minutes % 60;
            return m == 0 ? $"{hours}h" : $"{hours}h{m}m";
        }

        if (hours < 48) return $"{hours}h";
        if (hours < 24 * 8)
        {
            var h = hours % 24;
            return h == 0 ? $"{hours / 24}d" : $"{hours / 24}d{h}h";
        }

        if (hours < 24 * 365 * 2) return $"{hours / 24}d";
        if (hours < 24 * 365 * 8)
        {
            var dy = hours / 24 % 365;
            return dy == 0 ? $"{hours / 24 / 365}y" : $"{hours / 24 / 365}y{dy}d";
        }

        return $"{hours / 24 / 365}y";
    }

    /// <summary>The pod's name.</summary>
    public override string ToString() => Name;
}
