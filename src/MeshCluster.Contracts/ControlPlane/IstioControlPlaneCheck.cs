namespace MeshCluster;

/// <summary>
/// One object a remote-profile control plane needs (Istio 1.24+ <c>profile: remote</c>), as Wait-IstioControlPlane found it.
/// Part of <see cref="IstioControlPlaneStatus"/>: the remote form's counterpart of the pods' table.
/// </summary>
public sealed class IstioControlPlaneCheck
{
    /// <summary>Made by Wait-IstioControlPlane.</summary>
    public IstioControlPlaneCheck(string kind, string name, bool ready, string detail)
    {
        Kind = kind;
        Name = name;
        Ready = ready;
        Detail = detail;
    }

    /// <summary>The object's kind: Namespace, CustomResourceDefinition, ServiceAccount, ClusterRole, ClusterRoleBinding,
    /// MutatingWebhookConfiguration, Service, Endpoints.</summary>
    public string Kind { get; }

    /// <summary>The object's name (for the CRDs: the Istio API groups they belong to).</summary>
    public string Name { get; }

    /// <summary>True when the object is there as the remote needs it.</summary>
    public bool Ready { get; }

    /// <summary>What was found, or what is missing or wrong.</summary>
    public string Detail { get; }

    /// <summary>Kind/Name.</summary>
    public override string ToString() => $"{Kind}/{Name}";
}
