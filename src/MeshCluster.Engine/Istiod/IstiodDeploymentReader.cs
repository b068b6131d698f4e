using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Istiod;

/// <summary>What a namespace's istiod Deployments say, or why they could not be read (not an error: the caller decides).</summary>
/// <param name="Deployments">Every istiod Deployment found (one per revision); empty when none is installed.</param>
/// <param name="Unreadable">Set when the Deployments could not be listed (RBAC): the facts are unknown, not absent.</param>
public sealed record IstiodReading(string Context, string Namespace, IReadOnlyList<IstiodDeployment> Deployments, string? Unreadable)
{
    public bool Found => Deployments.Count > 0;

    /// <summary>The cluster names the istiods give their own cluster (one, unless revisions disagree); unreadable ones left out.</summary>
    public IReadOnlyList<string> ClusterIds => Deployments.Select(d => d.ClusterId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>"Deployment istio-system/istiod in context 'cluster1'" (or several, comma-separated).</summary>
    public string Describe() => Deployments.Count == 0
        ? $"no istiod Deployment in namespace {Namespace} of context '{Context}'"
        : $"{(Deployments.Count == 1 ? "Deployment" : "Deployments")} {string.Join(", ", Deployments.Select(d => $"{d.Namespace}/{d.Name}"))} in context '{Context}'";
}

/// <summary>
/// Reads a cluster's istiod as Istio's chart renders it: Deployment <c>istiod</c> or <c>istiod-&lt;revision&gt;</c> labelled
/// <c>app: istiod</c>, container <c>discovery</c> (manifests/charts/istio-control/istio-discovery/templates/deployment.yaml).
/// The one place the module reads istiod's settings; the rest take <see cref="IstiodDeployment"/>.
/// </summary>
public static class IstiodDeploymentReader
{
    public const string AppLabel = "app";
    public const string AppLabelValue = "istiod";
    private const string DiscoveryContainer = "discovery";
    private const string RevisionLabel = "istio.io/rev";
    private const string VersionLabel = "app.kubernetes.io/version";

    /// <summary>Lists the namespace's istiod Deployments; a refusal to list them (RBAC) is a reading of its own, not an error.</summary>
    public static async Task<IstiodReading> ReadAsync(KubeConnection connection, string ns, IOperationReporter reporter, CancellationToken ct)
    {
        try
        {
            var list = await ListAsync(connection, ns, ct).ConfigureAwait(false);
            var found = list.Select(FromDeployment).OfType<IstiodDeployment>().OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
            reporter.Verbose(found.Count == 0
                ? $"No istiod Deployment in namespace {ns} of context '{connection.ContextName}'."
                : string.Join(" ", found.Select(d => $"istiod {d.Namespace}/{d.Name} in context '{connection.ContextName}': {Summary(d)}.")));
            return new IstiodReading(connection.ContextName, ns, found, null);
        }
        catch (MeshClusterException ex) when (ex.ErrorId is ErrorIds.KubeApiForbidden or ErrorIds.KubeApiUnauthorized)
        {
            reporter.Verbose($"Cannot read the istiod Deployments in namespace {ns} of context '{connection.ContextName}': {ex.Message}");
            return new IstiodReading(connection.ContextName, ns, Array.Empty<IstiodDeployment>(), ex.Message);
        }
    }

    /// <summary>
    /// The Deployments labelled app=istiod, read into the few fields used here (<see cref="DeploymentShape"/>): KubernetesClient's
    /// V1Deployment would make a fresh process compile the JSON metadata of some 150 types of a pod's spec first (issue 21).
    /// </summary>
    internal static Task<IReadOnlyList<DeploymentShape>> ListAsync(KubeConnection connection, string ns, CancellationToken ct) =>
        KubeRead.ListAsync(connection, $"listing istiod Deployments in namespace {ns}", $"apis/apps/v1/namespaces/{Uri.EscapeDataString(ns)}/deployments",
            $"{AppLabel}={AppLabelValue}", limit: null, ShapeJson.Default.ListShapeDeploymentShape, ct);

    /// <summary>The pods labelled app=istiod (at most <paramref name="limit"/>), read as <see cref="ListAsync"/> reads Deployments.</summary>
    internal static Task<IReadOnlyList<PodShape>> ListPodsAsync(KubeConnection connection, string ns, int? limit, CancellationToken ct) =>
        KubeRead.ListAsync(connection, $"listing istiod pods in {ns}",
            $"api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods", $"{AppLabel}={AppLabelValue}", limit, ShapeJson.Default.ListShapePodShape, ct);

    /// <summary>The istiod a Deployment is; null for a Deployment that is no istiod (another name, no containers).</summary>
    internal static IstiodDeployment? FromDeployment(DeploymentShape deployment)
    {
        var name = deployment.Metadata?.Name;
        if (name is null || !(name == "istiod" || name.StartsWith("istiod-", StringComparison.Ordinal))) return null;
        var spec = deployment.Spec?.Template?.Spec;
        if (spec?.Containers is not { Count: > 0 }) return null;
        return FromPodSpec(name, deployment.Metadata!.Namespace ?? string.Empty, deployment.Metadata.Labels, spec.Containers, deployment.Spec!.Replicas);
    }

    /// <summary>An istiod pod seen without its Deployment (made some other way): the same reading of its discovery container.</summary>
    internal static IstiodDeployment? FromPod(PodShape pod) =>
        pod.Spec?.Containers is { Count: > 0 } containers
            ? FromPodSpec(pod.Metadata?.Name ?? "istiod", pod.Metadata?.Namespace ?? string.Empty, pod.Metadata?.Labels, containers, null)
            : null;

    private static IstiodDeployment? FromPodSpec(string name, string ns, IReadOnlyDictionary<string, string>? labels, IReadOnlyList<ContainerShape?> listed, int? replicas)
    {
        // A JSON null in a list reads as a null item: no API server sends one, a proxy answering in its place may.
        var containers = listed.OfType<ContainerShape>().ToList();
        if (containers.Count == 0) return null;
        var container = containers.Find(c => c.Name == DiscoveryContainer)
                        ?? containers.Find(c => c.Args?.Contains(DiscoveryContainer) == true)
                        ?? containers[0];

        // Kubernetes gives a container the last of several entries of one name; valueFrom is not read (null).
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var variable in container.Env ?? Array.Empty<EnvVarShape?>())
        {
            if (string.IsNullOrEmpty(variable?.Name)) continue;
            environment[variable.Name] = variable.ValueFrom is not null ? null : variable.Value ?? string.Empty;
        }

        var tag = IstioVersion.TagOf(container.Image);
        var version = IstioVersion.TryParse(tag);
        string source;
        if (version is not null)
        {
            source = $"its image tag '{tag}'";
        }
        else if (labels?.TryGetValue(VersionLabel, out var label) == true && IstioVersion.TryParse(label) is { } labelled)
        {
            version = labelled;
            source = $"its label {VersionLabel}={label}";
        }
        else
        {
            source = container.Image is null ? "no image named" : $"its image '{container.Image}' names no version";
        }

        var revision = labels?.TryGetValue(RevisionLabel, out var rev) == true ? rev : environment.GetValueOrDefault("REVISION");
        return new IstiodDeployment(name, ns, revision, replicas, container.Image, environment, ClusterIdArgument(container.Args), version, source);
    }

    /// <summary>--clusterID=x or --clusterID x (pflag's long forms); null when not given.</summary>
    private static string? ClusterIdArgument(IReadOnlyList<string>? args)
    {
        if (args is null) return null;
        string? value = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg is null) continue; // JSON null: see FromPodSpec
            if (arg.StartsWith("--clusterID=", StringComparison.Ordinal)) value = arg["--clusterID=".Length..];
            else if (arg == "--clusterID" && i + 1 < args.Count) value = args[++i];
        }

        return value;
    }

    private static string Summary(IstiodDeployment d) =>
        $"cluster '{d.ClusterId ?? "(from a ConfigMap or Secret)"}', EXTERNAL_ISTIOD {Shown(d.ExternalIstiod)}, " +
        $"ISTIO_MULTIROOT_MESH {Shown(d.MultiRootMesh)}, version {d.Version?.ToString() ?? "unknown"} ({d.VersionSource})";

    private static string Shown(bool? value) => value switch { true => "true", false => "false", null => "unreadable" };
}
