namespace MeshCluster;

/// <summary>How the kubeconfig in a remote secret authenticates to the remote cluster.</summary>
public enum RemoteAuthType
{
    /// <summary>A bearer token (what istioctl writes; istiod accepts it by default).</summary>
    Token,

    /// <summary>An exec credential plugin: istiod rejects it unless PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS lists exec.</summary>
    Exec,

    /// <summary>A client certificate and key: accepted inline (client-certificate-data, client-key-data); as file paths only when PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS lists clientCertificate and clientKey.</summary>
    ClientCertificate,

    /// <summary>An auth-provider plugin (oidc, gcp, azure): istiod accepts oidc, others only when PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS lists them.</summary>
    AuthProvider,

    /// <summary>No credential at all.</summary>
    Other,

    /// <summary>A user name and password (basic authentication): istiod accepts it; Kubernetes 1.19 and later no longer do.</summary>
    Basic,

    /// <summary>A token read from a file (tokenFile): istiod rejects it unless PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS lists tokenFile.</summary>
    TokenFile,
}

/// <summary>
/// One remote secret of a primary cluster (a Secret labelled istio/multiCluster=true), as
/// Get-IstioRemoteSecret reads it. Holds no credential: the token's claims are read, the token is not kept.
/// Context, ClusterName, Namespace and SecretName bind to Test-IstioRemoteCluster and Remove-IstioRemoteSecret.
/// </summary>
public sealed class IstioRemoteSecretInfo
{
    /// <summary>Made by Get-IstioRemoteSecret.</summary>
    public IstioRemoteSecretInfo(string clusterName, string secretName, string @namespace, string context, string? server,
        RemoteAuthType? authType, string? serviceAccount, string? serviceAccountNamespace, DateTimeOffset? tokenExpires,
        DateTimeOffset? createdAt, string? resourceVersion, IReadOnlyList<string> problems, string? annotatedClusterName = null,
        IReadOnlyList<string>? notes = null)
    {
        ClusterName = clusterName;
        SecretName = secretName;
        Namespace = @namespace;
        Context = context;
        Server = server;
        AuthType = authType;
        ServiceAccount = serviceAccount;
        ServiceAccountNamespace = serviceAccountNamespace;
        TokenExpires = tokenExpires;
        CreatedAt = createdAt;
        ResourceVersion = resourceVersion;
        Problems = problems.ToArray();
        AnnotatedClusterName = annotatedClusterName;
        Notes = (notes ?? Array.Empty<string>()).ToArray();
    }

    /// <summary>
    /// The remote cluster's name in the mesh, as istiod names it: the data key its kubeconfig is under (a Secret with several
    /// keys gives one object per key). For a Secret without data: its networking.istio.io/cluster annotation, else the name after istio-remote-secret-.
    /// </summary>
    public string ClusterName { get; }

    /// <summary>The networking.istio.io/cluster annotation when it names another cluster than the data key (istiod goes by the key); null when they agree or it is absent.</summary>
    public string? AnnotatedClusterName { get; }

    /// <summary>The Secret's name in the primary (istio-remote-secret-&lt;ClusterName&gt; when istioctl or MeshCluster wrote it).</summary>
    public string SecretName { get; }

    /// <summary>The Secret's namespace in the primary (istiod's namespace).</summary>
    public string Namespace { get; }

    /// <summary>The kubeconfig context of the primary cluster the Secret was read from.</summary>
    public string Context { get; }

    /// <summary>The remote API server URL istiod uses; null when the kubeconfig does not say.</summary>
    public string? Server { get; }

    /// <summary>How istiod would authenticate; null when the kubeconfig cannot be read.</summary>
    public RemoteAuthType? AuthType { get; }

    /// <summary>The service account the token belongs to, from its (unverified) sub claim; null for no service-account token.</summary>
    public string? ServiceAccount { get; }

    /// <summary>The service account's namespace in the remote cluster, from the same claim.</summary>
    public string? ServiceAccountNamespace { get; }

    /// <summary>The token's exp claim (read without verifying the token); null when it never expires (a token secret's token) or is no JWT.</summary>
    public DateTimeOffset? TokenExpires { get; }

    /// <summary>When the Secret was created in the primary.</summary>
    public DateTimeOffset? CreatedAt { get; }

    /// <summary>The Secret's resourceVersion.</summary>
    public string? ResourceVersion { get; }

    /// <summary>What is wrong with the Secret as istiod would read it (empty when nothing is): listed here, never thrown.</summary>
    public string[] Problems { get; }

    /// <summary>What istiod lives with but is worth knowing (several clusters in one Secret, an annotation that differs, an option the primary's istiod allows on purpose).</summary>
    public string[] Notes { get; }

    /// <summary>namespace/name.</summary>
    public override string ToString() => $"{Namespace}/{SecretName}";
}
