namespace MeshCluster;

/// <summary>What Publish-IstioClusterCertificate did with a cluster's cacerts Secret.</summary>
public enum ClusterCertificateAction
{
    /// <summary>There was no cacerts; it was created.</summary>
    Created,

    /// <summary>cacerts held other material under the same root; it was replaced.</summary>
    Updated,

    /// <summary>cacerts chained to a different root and -Force replaced it (mTLS with the other clusters breaks until all share the new root).</summary>
    Replaced,

    /// <summary>cacerts already held exactly this material; nothing was sent.</summary>
    Unchanged,
}

/// <summary>
/// A cluster's plug-in CA certificates as written to its cacerts Secret (Publish-IstioClusterCertificate). Holds no key.
/// Context binds to Test-IstioMeshTrust by property name.
/// </summary>
public sealed class IstioClusterCertificatePublication
{
    /// <summary>Made by Publish-IstioClusterCertificate.</summary>
    public IstioClusterCertificatePublication(string context, string clusterName, string @namespace, string secretName, string thumbprint,
        string rootThumbprint, string? previousRootThumbprint, DateTime notAfter, ClusterCertificateAction action, string? resourceVersion,
        bool namespaceCreated)
    {
        Context = context;
        ClusterName = clusterName;
        Namespace = @namespace;
        SecretName = secretName;
        Thumbprint = thumbprint;
        RootThumbprint = rootThumbprint;
        PreviousRootThumbprint = previousRootThumbprint;
        NotAfter = notAfter;
        Action = action;
        ResourceVersion = resourceVersion;
        NamespaceCreated = namespaceCreated;
    }

    /// <summary>The kubeconfig context the Secret was written to.</summary>
    public string Context { get; }

    /// <summary>The cluster's name in the mesh (the intermediate's L=).</summary>
    public string ClusterName { get; }

    /// <summary>The Secret's namespace (istio-system: where istiod reads it).</summary>
    public string Namespace { get; }

    /// <summary>cacerts.</summary>
    public string SecretName { get; }

    /// <summary>SHA-256 of the intermediate certificate now in the Secret.</summary>
    public string Thumbprint { get; }

    /// <summary>SHA-256 of the root the Secret chains to.</summary>
    public string RootThumbprint { get; }

    /// <summary>With Action Replaced: the root the Secret chained to before (null otherwise).</summary>
    public string? PreviousRootThumbprint { get; }

    /// <summary>When the intermediate expires (UTC): Istio does not rotate plug-in certificates for you.</summary>
    public DateTime NotAfter { get; }

    /// <summary>Created, Updated, Replaced or Unchanged.</summary>
    public ClusterCertificateAction Action { get; }

    /// <summary>The Secret's resourceVersion after the run: the same as before when Unchanged.</summary>
    public string? ResourceVersion { get; }

    /// <summary>True when the namespace did not exist and was created (the trust step comes before the install).</summary>
    public bool NamespaceCreated { get; }

    /// <summary>context: namespace/name.</summary>
    public override string ToString() => $"{Context}: {Namespace}/{SecretName}";
}
