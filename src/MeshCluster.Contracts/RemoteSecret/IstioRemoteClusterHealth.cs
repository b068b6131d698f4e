namespace MeshCluster;

/// <summary>The outcome of one check of Test-IstioRemoteCluster.</summary>
public enum RemoteCheckStatus
{
    /// <summary>The check passed.</summary>
    Passed,

    /// <summary>It passed, with something to look at (a token that expires soon, a loopback server).</summary>
    Warning,

    /// <summary>It failed: istiod cannot use the remote cluster for this reason.</summary>
    Failed,

    /// <summary>Not run, because an earlier check failed (no TLS, no authentication to test).</summary>
    Skipped,
}

/// <summary>One row of a remote cluster's health: a check, in the order istiod depends on them.</summary>
public sealed class IstioRemoteClusterCheck
{
    /// <summary>Made by Test-IstioRemoteCluster.</summary>
    public IstioRemoteClusterCheck(string name, RemoteCheckStatus status, string detail)
    {
        Name = name;
        Status = status;
        Detail = detail;
    }

    /// <summary>Format, Server, Tls, Authentication, Authorization, PrimaryInCharge (a remote-profile cluster only) or TokenExpiry.</summary>
    public string Name { get; }

    /// <summary>Passed, Warning, Failed or Skipped.</summary>
    public RemoteCheckStatus Status { get; }

    /// <summary>True for Passed and Warning.</summary>
    public bool Passed => Status is RemoteCheckStatus.Passed or RemoteCheckStatus.Warning;

    /// <summary>What was found, in words.</summary>
    public string Detail { get; }

    /// <summary>Name: Status.</summary>
    public override string ToString() => $"{Name}: {Status}";
}

/// <summary>
/// Whether a primary's istiod can use a remote cluster, tested with exactly the credentials in its
/// remote secret. Output of Test-IstioRemoteCluster; an unhealthy remote is a result, not an error.
/// </summary>
public sealed class IstioRemoteClusterHealth
{
    /// <summary>Made by Test-IstioRemoteCluster.</summary>
    public IstioRemoteClusterHealth(string clusterName, string secretName, string @namespace, string context, string? server,
        IReadOnlyList<IstioRemoteClusterCheck> checks, TimeSpan elapsed, ControlPlaneForm? form = null)
    {
        Form = form;
        ClusterName = clusterName;
        SecretName = secretName;
        Namespace = @namespace;
        Context = context;
        Server = server;
        Checks = checks.ToArray();
        Elapsed = elapsed;
    }

    /// <summary>The remote cluster's name in the mesh.</summary>
    public string ClusterName { get; }

    /// <summary>The remote secret the credentials came from.</summary>
    public string SecretName { get; }

    /// <summary>The remote secret's namespace in the primary.</summary>
    public string Namespace { get; }

    /// <summary>The kubeconfig context of the primary cluster.</summary>
    public string Context { get; }

    /// <summary>The remote API server URL from the secret.</summary>
    public string? Server { get; }

    /// <summary>True when every check passed (warnings allowed).</summary>
    public bool Healthy => Checks.All(c => c.Passed);

    /// <summary>
    /// What runs the remote's control plane, as read with the token from its Istio namespace: Remote (the remote profile: Service istiod
    /// selects no pods), Istiod (istiod runs there: the 1.7 guide's form), or null (not known: no Istio found, or the token was not accepted).
    /// It decides the rights the Authorization check asks for, and whether PrimaryInCharge is checked.
    /// </summary>
    public ControlPlaneForm? Form { get; }

    /// <summary>Every check, in order: Format, Server, Tls, Authentication, Authorization, PrimaryInCharge (Form Remote only), TokenExpiry.</summary>
    public IstioRemoteClusterCheck[] Checks { get; }

    /// <summary>The first failed check and why, else the warnings, else that all passed: one line for the view.</summary>
    public string Summary
    {
        get
        {
            var failed = Checks.FirstOrDefault(c => c.Status == RemoteCheckStatus.Failed);
            if (failed is not null) return $"{failed.Name} failed: {failed.Detail}";
            var warnings = Checks.Where(c => c.Status == RemoteCheckStatus.Warning).ToArray();
            return warnings.Length == 0
                ? $"All {Checks.Length} checks passed"
                : string.Join("; ", warnings.Select(w => $"{w.Name}: {w.Detail}"));
        }
    }

    /// <summary>How long the checks of this remote took.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>ClusterName: Healthy or Unhealthy.</summary>
    public override string ToString() => $"{ClusterName}: {(Healthy ? "Healthy" : "Unhealthy")}";
}
