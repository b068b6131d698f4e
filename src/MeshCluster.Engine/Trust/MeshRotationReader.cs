using System.Management.Automation;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.Trust;

/// <summary>One cluster's cacerts as a rotation sees it: the material (sound, as istiod judges it), its root bundle and the record.</summary>
internal sealed class ClusterRotationState
{
    public ClusterRotationState(KubeConnection connection, string @namespace, V1Secret secret, CacertsMaterial material, ValidatedCacerts validated, RootBundle bundle,
        IReadOnlyList<MeshClusterException> istiodProblems)
    {
        Connection = connection;
        Namespace = @namespace;
        Secret = secret;
        Material = material;
        Validated = validated;
        Bundle = bundle;
        Record = MeshRotationRecord.Read(secret.Metadata?.Annotations);
        IstiodProblems = istiodProblems;
    }

    public KubeConnection Connection { get; }
    public string Context => Connection.ContextName;
    public string Namespace { get; }
    public V1Secret Secret { get; }
    public CacertsMaterial Material { get; }
    public ValidatedCacerts Validated { get; }
    public RootBundle Bundle { get; }
    public MeshRotationRecord Record { get; }

    /// <summary>What would make istiod ignore a changed root-cert.pem, or proxies miss it (-Force goes on regardless).</summary>
    public IReadOnlyList<MeshClusterException> IstiodProblems { get; }

    /// <summary>The root cacerts' chain ends in: the one istiod signs under.</summary>
    public string SigningRoot => Validated.RootThumbprint;

    public string? ClusterName => Validated.ClusterName;

    public string Target => $"{Context}:{Namespace}/{CacertsSecret.Name}";
}

/// <summary>Reads each cluster before any is changed; a cluster that cannot take part is an error naming what to do.</summary>
internal static class MeshRotationReader
{
    private const string ProxyConfigXdsAgent = "PROXY_CONFIG_XDS_AGENT";

    /// <param name="checkIstiod">For the phases that change root-cert.pem (TrustBoth, RetireOld): istiod must take the new bundle.</param>
    public static async Task<ClusterRotationState> ReadAsync(KubeConnection connection, string ns, bool checkIstiod, IOperationReporter reporter, CancellationToken ct)
    {
        var target = $"{connection.ContextName}:{ns}/{CacertsSecret.Name}";
        var secret = await KubeApi.TryReadSecretAsync(connection, ns, CacertsSecret.Name, ct).ConfigureAwait(false);
        // USE_CACERTS_FOR_SELF_SIGNED_CA: a cacerts with key istio-generated is istiod's own CA, not plug-in certificates.
        if (secret is null || secret.Data?.ContainsKey("istio-generated") == true)
        {
            throw new MeshClusterException(ErrorIds.MeshTrustCacertsMissing, ErrorCategory.ObjectNotFound,
                $"Context '{connection.ContextName}' has no plug-in CA in Secret {ns}/{CacertsSecret.Name}: there is no root to rotate. Nothing was changed in any cluster.",
                target, recommendedAction: "Publish an intermediate of the new root there (New-IstioClusterCertificate | Publish-IstioClusterCertificate), or leave the context out.");
        }

        var source = $"Secret {ns}/{CacertsSecret.Name} of context '{connection.ContextName}'";
        if (secret.Immutable == true) throw Invalid(target, $"{source} is immutable, so it cannot be rewritten in place");
        var data = secret.Data ?? new Dictionary<string, byte[]>();
        var missing = CacertsMaterial.Keys.Where(k => !data.ContainsKey(k)).ToList();
        if (missing.Count > 0) throw Invalid(target, $"{source} lacks {string.Join(", ", missing)} (the rotation rewrites the four-file form istiod reads first)");

        var material = CacertsSecret.MaterialOf(secret, source)!;
        ValidatedCacerts validated;
        RootBundle bundle;
        try
        {
            validated = CacertsValidator.Validate(material, CertificateFactory.Now());
            bundle = RootBundle.Read(data[CacertsMaterial.RootCertKey]);
        }
        catch (TrustMaterialException ex)
        {
            throw Invalid(target, $"{source} is no plug-in CA istiod accepts: {ex.Message}");
        }

        reporter.Verbose($"Context '{connection.ContextName}': cacerts signs under root {validated.RootThumbprint}; root-cert.pem holds {bundle.Roots.Count} root(s): " +
                         string.Join(", ", bundle.Thumbprints) + ".");
        var problems = checkIstiod ? await IstiodProblemsAsync(connection, ns, target, reporter, ct).ConfigureAwait(false) : Array.Empty<MeshClusterException>();
        return new ClusterRotationState(connection, ns, secret, material, validated, bundle, problems);
    }

    /// <summary>
    /// istiod takes a changed root only from 1.20 with ISTIO_MULTIROOT_MESH=true (pilot/pkg/bootstrap/istio_ca.go handleEvent); proxies get the new
    /// trust anchors only with PROXY_CONFIG_XDS_AGENT=true (pilot/cmd/pilot-agent/options/options.go; Istio's own rotation test sets both:
    /// tests/integration/security/cacert_rotation/main_test.go). A remote-profile cluster has no istiod: its primary's counts.
    /// </summary>
    private static async Task<IReadOnlyList<MeshClusterException>> IstiodProblemsAsync(KubeConnection connection, string ns, string target, IOperationReporter reporter,
        CancellationToken ct)
    {
        const string force = " Add -Force to go on anyway. Nothing was changed in any cluster.";
        var problems = new List<MeshClusterException>();
        var reading = await IstiodDeploymentReader.ReadAsync(connection, ns, reporter, ct).ConfigureAwait(false);
        if (reading.Unreadable is not null || !reading.Found)
        {
            if (reading.Unreadable is null && await RemoteProfileDetector.DetectAsync(connection, ns, reporter, ct).ConfigureAwait(false) is { IsRemoteProfile: true })
            {
                reporter.Verbose($"Context '{connection.ContextName}' is a remote-profile cluster: its workloads are signed by its primary's istiod, which is checked there.");
                return problems;
            }

            problems.Add(new MeshClusterException(ErrorIds.MeshTrustIstiodNotFound, ErrorCategory.ObjectNotFound,
                (reading.Unreadable is null ? $"There is {reading.Describe()}" : $"The istiod Deployments in namespace {ns} of context '{connection.ContextName}' cannot be read ({reading.Unreadable.TrimEnd('.')})") +
                ", so the module cannot tell whether it takes a new root bundle (ISTIO_MULTIROOT_MESH=true, 1.20+)." + force, target,
                recommendedAction: "Install istiod first, or add -Force when istiod is not installed yet (it reads the whole bundle when it starts)."));
            return problems;
        }

        foreach (var istiod in reading.Deployments.Where(d => d.Replicas != 0))
        {
            var who = $"istiod {istiod.Namespace}/{istiod.Name} in context '{connection.ContextName}'";
            if (istiod.MultiRootMesh != true)
            {
                problems.Add(new MeshClusterException(ErrorIds.MeshTrustMultiRootDisabled, ErrorCategory.NotEnabled,
                    $"{who} runs {(istiod.MultiRootMesh is null ? "with ISTIO_MULTIROOT_MESH from a ConfigMap or Secret the module does not read" : "without ISTIO_MULTIROOT_MESH=true")}: " +
                    "it would ignore the new root bundle (\"updating new ROOT-CA not supported\") and keep signing under the old one." + force, target,
                    recommendedAction: "Set values.pilot.env.ISTIO_MULTIROOT_MESH=true (istioctl install --set values.pilot.env.ISTIO_MULTIROOT_MESH=true) and wait for istiod to roll out."));
            }

            if (istiod.Version is { } v && !v.AtLeast(1, 20))
            {
                problems.Add(new MeshClusterException(ErrorIds.MeshTrustIstiodTooOld, ErrorCategory.NotImplemented,
                    $"{who} is {v}: istiod takes a new root bundle without a restart only from 1.20." + force, target,
                    recommendedAction: "Upgrade istiod to 1.20 or later, or add -Force and restart istiod after each phase."));
            }

            var xds = await MeshConfigReader.ProxyMetadataAsync(connection, istiod, ProxyConfigXdsAgent, ct).ConfigureAwait(false);
            if (MeshConfigReader.ParseBool(xds.Value) != true)
            {
                var what = xds.Unreadable is not null ? $"its ConfigMap {ns}/{xds.ConfigMap} cannot be read ({xds.Unreadable.TrimEnd('.')})"
                    : xds.Value is null ? $"its mesh config (ConfigMap {ns}/{xds.ConfigMap}) lacks defaultConfig.proxyMetadata.{ProxyConfigXdsAgent}: \"true\""
                    : $"its mesh config (ConfigMap {ns}/{xds.ConfigMap}) sets defaultConfig.proxyMetadata.{ProxyConfigXdsAgent} to '{xds.Value}'";
                problems.Add(new MeshClusterException(ErrorIds.MeshTrustProxyConfigXdsDisabled, ErrorCategory.NotEnabled,
                    $"For {who}, {what}: proxies would not get the new trust anchors from istiod (PCDS) until they restart." + force, target,
                    recommendedAction: "Set meshConfig.defaultConfig.proxyMetadata.PROXY_CONFIG_XDS_AGENT=\"true\" and restart the workloads once, before the rotation."));
            }
        }

        return problems;
    }

    private static MeshClusterException Invalid(string target, string why) =>
        new(ErrorIds.MeshTrustCacertsInvalid, ErrorCategory.InvalidData, $"{why}. Nothing was changed in any cluster.", target,
            recommendedAction: "Publish sound material of the current root first (Publish-IstioClusterCertificate), then rotate.");
}
