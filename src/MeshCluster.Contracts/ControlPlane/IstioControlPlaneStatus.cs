namespace MeshCluster;

/// <summary>
/// The control plane of one cluster after Wait-IstioControlPlane: for an istiod in the cluster (Form Istiod) the
/// namespace's pods as kubectl shows them; for a remote-profile cluster (Form Remote) the objects the remote needs
/// (Checks). Context and ClusterName bind to Publish-IstioRemoteSecret by property name.
/// </summary>
public sealed class IstioControlPlaneStatus
{
    /// <summary>Made by Wait-IstioControlPlane.</summary>
    public IstioControlPlaneStatus(string context, string? clusterName, string @namespace, bool ready,
        IReadOnlyList<IstioPodStatus> pods, int deploymentsAvailable, int deployments,
        ControlPlaneForm form = ControlPlaneForm.Istiod, IReadOnlyList<IstioControlPlaneCheck>? checks = null)
    {
        Form = form;
        Checks = checks?.ToArray() ?? Array.Empty<IstioControlPlaneCheck>();
        Context = context;
        ClusterName = clusterName;
        Namespace = @namespace;
        Ready = ready;
        Pods = pods.ToArray();
        DeploymentsAvailable = deploymentsAvailable;
        Deployments = deployments;
    }

    /// <summary>The kubeconfig context of the cluster.</summary>
    public string Context { get; }

    /// <summary>The mesh's name for the cluster (multiCluster.clusterName), when the input carried it.</summary>
    public string? ClusterName { get; }

    /// <summary>The control plane's namespace.</summary>
    public string Namespace { get; }

    /// <summary>Istiod (an istiod runs in the cluster: ready when its pods are) or Remote (Istio 1.24+ profile remote: no
    /// pods; ready when the objects of <see cref="Checks"/> are in place).</summary>
    public ControlPlaneForm Form { get; }

    /// <summary>Form Istiod: every pod running and ready and every Deployment available. Form Remote: every check ready.</summary>
    public bool Ready { get; }

    /// <summary>Every pod of the namespace, as <c>kubectl get pod</c> lists them.</summary>
    public IstioPodStatus[] Pods { get; }

    /// <summary>Deployments whose updated replicas are all available.</summary>
    public int DeploymentsAvailable { get; }
    /// <summary>Deployments in the namespace.</summary>
    public int Deployments { get; }

    /// <summary>Form Remote: each object the remote needs and how it was found (empty for Form Istiod).</summary>
    public IstioControlPlaneCheck[] Checks { get; }

    /// <summary>context/namespace.</summary>
    public override string ToString() => $"{Context}/{Namespace}";
}
