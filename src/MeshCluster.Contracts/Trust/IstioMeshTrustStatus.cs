namespace MeshCluster;

/// <summary>Where a cluster's istiod takes its CA from, as its cacerts Secret says.</summary>
public enum ClusterTrustState
{
    /// <summary>cacerts holds a sound intermediate CA, key and chain to a root.</summary>
    Cacerts,

    /// <summary>No cacerts: istiod makes its own self-signed root, which no other cluster trusts.</summary>
    NoCacerts,

    /// <summary>cacerts exists but istiod could not use it (see Problem).</summary>
    Invalid,
}

/// <summary>
/// One cluster's part of the mesh trust (Test-IstioMeshTrust): which root its cacerts chains to and when its intermediate
/// expires, and whether every cluster checked shares one root. Holds no key.
/// </summary>
public sealed class IstioMeshTrustStatus
{
    /// <summary>Made by Test-IstioMeshTrust.</summary>
    public IstioMeshTrustStatus(string context, string @namespace, ClusterTrustState state, string? clusterName,
        string? rootSubject, string? rootThumbprint, DateTime? rootNotAfter,
        string? intermediateSubject, string? intermediateThumbprint, DateTime? intermediateNotAfter,
        bool sharesOneRoot, string? problem, IReadOnlyList<string>? notes = null, IReadOnlyList<string>? trustedRoots = null,
        MeshTrustPhase? rotationPhase = null, bool mutualTrust = false)
    {
        Context = context;
        Namespace = @namespace;
        State = state;
        ClusterName = clusterName;
        RootSubject = rootSubject;
        RootThumbprint = rootThumbprint;
        RootNotAfter = rootNotAfter;
        IntermediateSubject = intermediateSubject;
        IntermediateThumbprint = intermediateThumbprint;
        IntermediateNotAfter = intermediateNotAfter;
        SharesOneRoot = sharesOneRoot;
        Problem = problem;
        Notes = (notes ?? Array.Empty<string>()).ToArray();
        TrustedRoots = (trustedRoots ?? Array.Empty<string>()).ToArray();
        RotationPhase = rotationPhase;
        MutualTrust = mutualTrust;
    }

    /// <summary>The kubeconfig context of the cluster.</summary>
    public string Context { get; }

    /// <summary>Where cacerts was looked for (istio-system).</summary>
    public string Namespace { get; }

    /// <summary>Cacerts, NoCacerts (istiod's self-signed CA) or Invalid.</summary>
    public ClusterTrustState State { get; }

    /// <summary>The intermediate's L= (the cluster's name in the mesh), when it has one.</summary>
    public string? ClusterName { get; }

    /// <summary>The root's subject.</summary>
    public string? RootSubject { get; }

    /// <summary>SHA-256 of the root (upper-case hex).</summary>
    public string? RootThumbprint { get; }

    /// <summary>When the root expires (UTC).</summary>
    public DateTime? RootNotAfter { get; }

    /// <summary>The intermediate CA's subject.</summary>
    public string? IntermediateSubject { get; }

    /// <summary>SHA-256 of the intermediate CA certificate.</summary>
    public string? IntermediateThumbprint { get; }

    /// <summary>When the intermediate expires (UTC): Istio does not rotate plug-in certificates for you.</summary>
    public DateTime? IntermediateNotAfter { get; }

    /// <summary>True when every cluster checked has a sound cacerts and all of them chain to this one root: cross-cluster mTLS can work.</summary>
    public bool SharesOneRoot { get; }

    /// <summary>Why the state is Invalid, or why the clusters do not share one root.</summary>
    public string? Problem { get; }

    /// <summary>Where sound cacerts differ from what Istio's Makefile makes (no pathlen:0, another chain order): istiod accepts them.</summary>
    public string[] Notes { get; }

    /// <summary>SHA-256 of every root the cluster's root-cert.pem trusts: two while a root rotation runs (Update-IstioMeshTrust).</summary>
    public string[] TrustedRoots { get; }

    /// <summary>The last phase of a root rotation Update-IstioMeshTrust recorded on this cacerts; null when none.</summary>
    public MeshTrustPhase? RotationPhase { get; }

    /// <summary>
    /// True when every cluster checked has sound cacerts and every cluster's signing root (RootThumbprint) is trusted by every
    /// cluster's bundle: what keeps cross-cluster mTLS working, during a root rotation too (-Quiet's answer). The same on every object.
    /// </summary>
    public bool MutualTrust { get; }

    /// <summary>context: state.</summary>
    public override string ToString() => $"{Context}: {State}";
}
