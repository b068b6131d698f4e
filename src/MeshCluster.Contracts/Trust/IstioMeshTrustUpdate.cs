namespace MeshCluster;

/// <summary>
/// The three phases of a zero-downtime root rotation (Istio maintainers' procedure: every cluster finishes a phase before any
/// starts the next), in order.
/// </summary>
public enum MeshTrustPhase
{
    /// <summary>root-cert.pem = the current root(s) + the new root; the intermediate, key and chain stay.</summary>
    TrustBoth,

    /// <summary>A new intermediate from the new root (cert-chain.pem = new intermediate + new root); root-cert.pem still holds both.</summary>
    SignWithNew,

    /// <summary>root-cert.pem = the new root alone.</summary>
    RetireOld,
}

/// <summary>What Update-IstioMeshTrust did with one cluster's cacerts.</summary>
public enum MeshTrustAction
{
    /// <summary>cacerts was rewritten for the phase.</summary>
    Updated,

    /// <summary>cacerts already was in the phase; nothing was sent.</summary>
    Unchanged,
}

/// <summary>
/// One cluster's step of a root rotation (Update-IstioMeshTrust): where its cacerts stands after the call and when the next phase
/// may run. Holds no key. Context binds to Test-IstioMeshTrust by property name.
/// </summary>
public sealed class IstioMeshTrustUpdate
{
    /// <summary>Made by Update-IstioMeshTrust.</summary>
    public IstioMeshTrustUpdate(string context, string @namespace, string? clusterName, MeshTrustPhase phase, string? oldRoot, string newRoot,
        MeshTrustAction action, DateTime? changedAt, DateTime? nextPhaseNotBefore, string intermediateThumbprint, string? certificatePath, string? resourceVersion)
    {
        Context = context;
        Namespace = @namespace;
        ClusterName = clusterName;
        Phase = phase;
        OldRoot = oldRoot;
        NewRoot = newRoot;
        Action = action;
        ChangedAt = changedAt;
        NextPhaseNotBefore = nextPhaseNotBefore;
        IntermediateThumbprint = intermediateThumbprint;
        CertificatePath = certificatePath;
        ResourceVersion = resourceVersion;
    }

    /// <summary>The kubeconfig context of the cluster.</summary>
    public string Context { get; }

    /// <summary>Where cacerts lives (istio-system).</summary>
    public string Namespace { get; }

    /// <summary>The intermediate's L= (the cluster's name in the mesh), when it has one.</summary>
    public string? ClusterName { get; }

    /// <summary>The phase this call applied.</summary>
    public MeshTrustPhase Phase { get; }

    /// <summary>SHA-256 of the root being retired (several comma-separated if the bundle held several); null when there is none.</summary>
    public string? OldRoot { get; }

    /// <summary>SHA-256 of the new root (-CertificateAuthority).</summary>
    public string NewRoot { get; }

    /// <summary>Updated or Unchanged.</summary>
    public MeshTrustAction Action { get; }

    /// <summary>When this cluster's cacerts reached the phase (UTC), as recorded on it; null when it reached it without this module.</summary>
    public DateTime? ChangedAt { get; }

    /// <summary>
    /// The earliest time (UTC) the next phase may run across the clusters of this call: after TrustBoth at once, after SignWithNew
    /// the last cluster's SignWithNew plus -MinimumSoak; null after RetireOld.
    /// </summary>
    public DateTime? NextPhaseNotBefore { get; }

    /// <summary>SHA-256 of the intermediate CA cacerts signs with now.</summary>
    public string IntermediateThumbprint { get; }

    /// <summary>With -Path after SignWithNew: the folder holding the new intermediate's four files; null otherwise.</summary>
    public string? CertificatePath { get; }

    /// <summary>The Secret's resourceVersion after the call.</summary>
    public string? ResourceVersion { get; }

    /// <summary>context: phase (action).</summary>
    public override string ToString() => $"{Context}: {Phase} ({Action})";
}
