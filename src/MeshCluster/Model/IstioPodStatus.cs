namespace MeshCluster;

/// <summary>
/// One row of <c>kubectl -n istio-system get pod</c>: NAME READY STATUS RESTARTS AGE, computed the
/// way kubectl computes them. Part of <see cref="IstioControlPlaneStatus"/>.
/// </summary>
public sealed class IstioPodStatus
{
    public IstioPodStatus(string name, string ready, string status, int restarts, TimeSpan age)
    {
        Name = name;
        Ready = ready;
        Status = status;
        Restarts = restarts;
        Age = age;
    }

    public string Name { get; }

    /// <summary>Containers ready of containers, as "1/1".</summary>
    public string Ready { get; }

    /// <summary>A container's waiting or terminated reason (CrashLoopBackOff, Completed...), else the pod's phase.</summary>
    public string Status { get; }

    public int Restarts { get; }

    /// <summary>Time since the pod was created, when the wait ended.</summary>
    public TimeSpan Age { get; }

    /// <summary>kubectl's AGE text (5s, 3m20s, 136m, 2d3h); the format view's AGE column.</summary>
    public static string FormatAge(TimeSpan age) => MeshCluster.Engine.ControlPlane.KubectlPodFormat.HumanDuration(age);

    public override string ToString() => Name;
}
