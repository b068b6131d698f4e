namespace MeshCluster;

/// <summary>
/// One istioctl install into a remote cluster (step 3 of Istio's Add a Remote Cluster guide). Context, ClusterName, Namespace, Form,
/// Network and RemotePilotAddress bind by property name to Wait-IstioControlPlane, the next step.
/// </summary>
public sealed class IstioRemoteInstallResult
{
    /// <summary>Made by Install-IstioRemote.</summary>
    public IstioRemoteInstallResult(string? clusterName, string context, string @namespace, string istioctlVersion,
        string istioctlPath, string[] arguments, int exitCode, TimeSpan duration, string? specPath,
        ControlPlaneForm form = ControlPlaneForm.Istiod, string? network = null, string? remotePilotAddress = null)
    {
        Form = form;
        Network = network;
        RemotePilotAddress = remotePilotAddress;
        ClusterName = clusterName;
        Context = context;
        Namespace = @namespace;
        IstioctlVersion = istioctlVersion;
        IstioctlPath = istioctlPath;
        Arguments = arguments;
        ExitCode = exitCode;
        Duration = duration;
        SpecPath = specPath;
    }

    /// <summary>values.global.multiCluster.clusterName of the spec.</summary>
    public string? ClusterName { get; }

    /// <summary>The kubeconfig context istioctl installed into.</summary>
    public string Context { get; }

    /// <summary>The namespace of the control plane: istio-system, or the spec's values.global.istioNamespace.</summary>
    public string Namespace { get; }

    /// <summary>What the spec installed: Remote for <c>profile: remote</c> (no istiod in the cluster), else Istiod.</summary>
    public ControlPlaneForm Form { get; }

    /// <summary>values.global.network of the spec: the remote's injection path names it.</summary>
    public string? Network { get; }

    /// <summary>values.global.remotePilotAddress of the spec: the primary's discovery address, where Service istiod points in a remote-profile cluster.</summary>
    public string? RemotePilotAddress { get; }

    /// <summary>The istioctl client version (it decides between manifest apply and install).</summary>
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
