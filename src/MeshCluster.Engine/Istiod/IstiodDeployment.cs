namespace MeshCluster.Engine.Istiod;

/// <summary>
/// What one istiod runs with, read from its Deployment's discovery container as Istio's chart renders it
/// (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml) and as istiod reads it
/// (pilot/pkg/features/pilot.go, pilot/cmd/pilot-discovery/app/cmd.go). Plain facts, no request: made by
/// <see cref="IstiodDeploymentReader"/>.
/// </summary>
public sealed class IstiodDeployment
{
    /// <summary>istiod's default cluster name when neither CLUSTER_ID nor --clusterID is set (pkg/config/constants DefaultClusterName).</summary>
    public const string DefaultClusterId = "Kubernetes";

    /// <summary>Names of the environment variables this class reads.</summary>
    public const string ClusterIdVariable = "CLUSTER_ID";
    public const string ExternalIstiodVariable = "EXTERNAL_ISTIOD";
    public const string InsecureKubeConfigOptionsVariable = "PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS";
    public const string MultiRootMeshVariable = "ISTIO_MULTIROOT_MESH";
    public const string AutoReloadPluginCertsVariable = "AUTO_RELOAD_PLUGIN_CERTS";

    private readonly IReadOnlyDictionary<string, string?> _environment;

    internal IstiodDeployment(string name, string @namespace, string? revision, int? replicas, string? image, IReadOnlyDictionary<string, string?> environment,
        string? clusterIdArgument, IstioVersion? version, string versionSource)
    {
        Name = name;
        Namespace = @namespace;
        Revision = revision;
        Replicas = replicas;
        Image = image;
        _environment = environment;
        Version = version;
        VersionSource = versionSource;

        // --clusterID wins: its default is CLUSTER_ID (pilot/cmd/pilot-discovery/app/cmd.go).
        ClusterId = clusterIdArgument ?? (environment.TryGetValue(ClusterIdVariable, out var id) ? id : DefaultClusterId);
        ExternalIstiod = Bool(ExternalIstiodVariable, false);
        MultiRootMesh = Bool(MultiRootMeshVariable, false);
        InsecureKubeConfigOptions = environment.TryGetValue(InsecureKubeConfigOptionsVariable, out var options)
            ? options is null ? null : new HashSet<string>(options.Split(','), StringComparer.Ordinal) // strings.Split, no trimming
            : new HashSet<string>(StringComparer.Ordinal);
    }

    /// <summary>The Deployment's name: istiod, or istiod-&lt;revision&gt;.</summary>
    public string Name { get; }

    public string Namespace { get; }

    /// <summary>The istio.io/rev label (or REVISION): "default" for an istiod without revision.</summary>
    public string? Revision { get; }

    /// <summary>spec.replicas (null: not set, which means 1, or an autoscaler's).</summary>
    public int? Replicas { get; }

    /// <summary>The discovery container's image.</summary>
    public string? Image { get; }

    /// <summary>The Istio release, from the image's tag (else the app.kubernetes.io/version label); null when neither says.</summary>
    public IstioVersion? Version { get; }

    /// <summary>Where <see cref="Version"/> came from, or why it is unknown: for messages.</summary>
    public string VersionSource { get; }

    /// <summary>
    /// The cluster name istiod gives its own cluster: --clusterID, else CLUSTER_ID (the chart writes
    /// values.global.multiCluster.clusterName there), else "Kubernetes". Null when set from a ConfigMap or Secret.
    /// </summary>
    public string? ClusterId { get; }

    /// <summary>EXTERNAL_ISTIOD (values.global.externalIstiod from 1.23): whether istiod takes charge of remote-profile clusters. Null when unreadable.</summary>
    public bool? ExternalIstiod { get; }

    /// <summary>ISTIO_MULTIROOT_MESH: whether istiod accepts a new root in cacerts without a restart (1.20+). Null when unreadable.</summary>
    public bool? MultiRootMesh { get; }

    /// <summary>
    /// PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS, split on commas exactly as istiod splits it (no trimming):
    /// auth provider names, <c>exec</c>, <c>clientKey</c>, <c>clientCertificate</c>, <c>tokenFile</c>. Empty when unset; null when unreadable.
    /// </summary>
    public IReadOnlySet<string>? InsecureKubeConfigOptions { get; }

    /// <summary>AUTO_RELOAD_PLUGIN_CERTS as set (1.12-1.18 read it; its default was false before 1.18, true in 1.18); null when unset or unreadable.</summary>
    public bool? AutoReloadPluginCerts => _environment.ContainsKey(AutoReloadPluginCertsVariable) ? Bool(AutoReloadPluginCertsVariable, false) : null;

    /// <summary>True when the variable is set, whatever its value.</summary>
    public bool IsSet(string variable) => _environment.ContainsKey(variable);

    /// <summary>The variable's literal value; null when unset or set from a ConfigMap or Secret.</summary>
    public string? Environment(string variable) => _environment.TryGetValue(variable, out var value) ? value : null;

    /// <summary>
    /// A boolean as istiod reads it (pkg/env: strconv.ParseBool, else the default): unset gives the default;
    /// null when the value comes from a ConfigMap or Secret the module does not read.
    /// </summary>
    public bool? Bool(string variable, bool @default)
    {
        if (!_environment.TryGetValue(variable, out var value)) return @default;
        return value switch
        {
            null => null,
            "1" or "t" or "T" or "TRUE" or "true" or "True" => true,
            "0" or "f" or "F" or "FALSE" or "false" or "False" => false,
            _ => @default,
        };
    }

    /// <summary>"Deployment istio-system/istiod (1.26.0)".</summary>
    public override string ToString() => $"Deployment {Namespace}/{Name}" + (Version is null ? string.Empty : $" ({Version})");
}
