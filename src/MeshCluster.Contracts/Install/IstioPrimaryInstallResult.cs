namespace MeshCluster;

/// <summary>
/// One istioctl install into the primary cluster (Install-IstioPrimary). Context, ClusterName, Namespace and Form (always Istiod: the
/// primary runs istiod) bind by property name to Wait-IstioControlPlane, the next step.
/// </summary>
public sealed class IstioPrimaryInstallResult
{
    /// <summary>Made by Install-IstioPrimary.</summary>
    public IstioPrimaryInstallResult(string? clusterName, string context, string @namespace, PrimaryInstallForm primaryForm, string? network,
        string[] gateways, string istioctlVersion, string istioctlPath, string[] arguments, int exitCode, TimeSpan duration, string? specPath)
    {
        ClusterName = clusterName;
        Context = context;
        Namespace = @namespace;
        PrimaryForm = primaryForm;
        Network = network;
        Gateways = gateways;
        IstioctlVersion = istioctlVersion;
        IstioctlPath = istioctlPath;
        Arguments = arguments;
        ExitCode = exitCode;
        Duration = duration;
        SpecPath = specPath;
    }

    /// <summary>values.global.multiCluster.clusterName of the spec (null for the east-west gateway alone).</summary>
    public string? ClusterName { get; }

    /// <summary>The kubeconfig context istioctl installed into.</summary>
    public string Context { get; }

    /// <summary>The namespace of the control plane: istio-system, or the spec's values.global.istioNamespace.</summary>
    public string Namespace { get; }

    /// <summary>Istiod: a primary runs its istiod (Wait-IstioControlPlane binds it and waits for the pods of istiod and the gateways).</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance property, so that Wait-IstioControlPlane binds it by property name.")]
    public ControlPlaneForm Form => ControlPlaneForm.Istiod;

    /// <summary>ExternalIstiod (values.global.externalIstiod) or MeshExpansion (values.global.meshExpansion.enabled, Istio 1.7).</summary>
    public PrimaryInstallForm PrimaryForm { get; }

    /// <summary>values.global.network of the spec.</summary>
    public string? Network { get; }

    /// <summary>The ingress gateways the spec names in components.ingressGateways (istio-eastwestgateway, istio-ingressgateway).</summary>
    public string[] Gateways { get; }

    /// <summary>The istioctl client version (it decides the command and which form it installs).</summary>
    public string IstioctlVersion { get; }

    /// <summary>The istioctl that ran.</summary>
    public string IstioctlPath { get; }

    /// <summary>istioctl's arguments; a spec without a file shows as &lt;temporary file&gt; (removed after the run).</summary>
    public string[] Arguments { get; }

    /// <summary>istioctl's exit code (0: the install succeeded).</summary>
    public int ExitCode { get; }

    /// <summary>How long istioctl ran.</summary>
    public TimeSpan Duration { get; }

    /// <summary>The spec file istioctl read; null when the spec went through a temporary file.</summary>
    public string? SpecPath { get; }

    /// <summary>cluster (context).</summary>
    public override string ToString() => $"{ClusterName} ({Context})";
}
