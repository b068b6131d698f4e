using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>
/// Puts in a remote's namespace, through the real API, what istioctl would have rendered there (no istioctl needed), and plays the
/// primary's istiod taking charge. Cluster-scoped objects it makes are removed on Dispose. From Istio's charts:
/// <list type="bullet">
/// <item>The remote profile (1.26): Service istiod without a selector (istio-discovery templates/remote-istiod-service.yaml), labelled
/// operator.istio.io/version as istioctl labels what it installs; MutatingWebhookConfiguration istio-sidecar-injector-&lt;ns&gt;
/// calling istiod.&lt;ns&gt;:443 at /inject/cluster/&lt;cluster&gt;/net/&lt;network&gt; with no caBundle (templates/mutatingwebhook.yaml);
/// the namespace annotated topology.istio.io/controlPlaneClusters.</item>
/// <item>The 1.7 guide's form (1.7.8): Service istiod selecting app=istiod (istio-discovery templates/service.yaml) and ClusterRole
/// istio-reader-&lt;ns&gt; with its binding (base templates/clusterrole.yaml, clusterrolebinding.yaml).</item>
/// </list>
/// The webhook selects only namespaces labelled for this test, so its failing call (no caBundle) touches nothing else.
/// </summary>
internal sealed class IstioRemotePlayer(TestCluster remote) : IAsyncDisposable
{
    public const string Annotation = "topology.istio.io/controlPlaneClusters";
    private readonly List<Func<Task>> _cleanup = new();

    public static string WebhookName(string ns) => ns == "istio-system" ? "istio-sidecar-injector" : "istio-sidecar-injector-" + ns;

    /// <summary>What istioctl 1.26 renders for profile: remote (the parts the module reads), after Install-IstioRemote annotated the namespace.</summary>
    public async Task RemoteProfileAsync(string ns, string primary = "cluster1", string version = "1.26.0")
    {
        var patch = new V1Patch(new { metadata = new { annotations = new Dictionary<string, string> { [Annotation] = primary } } }, V1Patch.PatchType.MergePatch);
        await remote.Admin.CoreV1.PatchNamespaceAsync(patch, ns, cancellationToken: Ct);
        await remote.Admin.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "istiod", Labels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "istiod", ["operator.istio.io/version"] = version } },
            Spec = new V1ServiceSpec
            {
                Ports = new List<V1ServicePort>
                {
                    new() { Port = 15012, Name = "tcp-istiod", Protocol = "TCP" },
                    new() { Port = 443, TargetPort = 15017, Name = "tcp-webhook", Protocol = "TCP" },
                },
            },
        }, ns, cancellationToken: Ct);

        var name = WebhookName(ns);
        V1MutatingWebhook Hook(string hookName) => new()
        {
            Name = hookName,
            ClientConfig = new Admissionregistrationv1WebhookClientConfig
            {
                Service = new Admissionregistrationv1ServiceReference { Name = "istiod", NamespaceProperty = ns, Path = "/inject/cluster/cluster2/net/network1", Port = 443 },
            },
            SideEffects = "None",
            AdmissionReviewVersions = new List<string> { "v1beta1", "v1" },
            FailurePolicy = "Fail",
            Rules = new List<V1RuleWithOperations> { new() { ApiGroups = new[] { "" }, ApiVersions = new[] { "v1" }, Operations = new[] { "CREATE" }, Resources = new[] { "pods" } } },
            NamespaceSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["meshcluster-test-injection"] = ns } },
        };
        await remote.Admin.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(new V1MutatingWebhookConfiguration
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "sidecar-injector" } },
            Webhooks = new List<V1MutatingWebhook> { Hook("rev.namespace.sidecar-injector.istio.io"), Hook("namespace.sidecar-injector.istio.io") },
        }, cancellationToken: Ct);
        _cleanup.Add(() => remote.Admin.AdmissionregistrationV1.DeleteMutatingWebhookConfigurationAsync(name));
    }

    /// <summary>The primary's istiod patching the injector's caBundle (pkg/webhooks/webhookpatch.go).</summary>
    public async Task PatchCaBundleAsync(string ns)
    {
        var name = WebhookName(ns);
        var webhook = await remote.Admin.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(name, cancellationToken: Ct);
        foreach (var hook in webhook.Webhooks) hook.ClientConfig.CaBundle = Encoding.ASCII.GetBytes(Pem);
        await remote.Admin.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(webhook, name, cancellationToken: Ct);
    }

    /// <summary>The primary's istiod writing ConfigMap istio-ca-root-cert (pilot/pkg/serviceregistry/kube/controller/namespacecontroller.go).</summary>
    public Task WriteRootCertAsync(string ns) =>
        remote.Admin.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "istio-ca-root-cert", Labels = new Dictionary<string, string> { ["istio.io/config"] = "true" } },
            Data = new Dictionary<string, string> { ["root-cert.pem"] = Pem },
        }, ns, cancellationToken: Ct);

    /// <summary>What istioctl 1.7.8 leaves that the module reads: Service istiod of the local istiod, and (unless not) the 1.7 reader role and binding.</summary>
    public async Task GuideForm17Async(string ns, bool withReaderRole = true)
    {
        await remote.Admin.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "istiod", Labels = new Dictionary<string, string> { ["app"] = "istiod", ["istio"] = "pilot", ["operator.istio.io/version"] = "1.7.8" } },
            Spec = new V1ServiceSpec
            {
                Ports = new List<V1ServicePort> { new() { Port = 15012, Name = "https-dns" }, new() { Port = 443, TargetPort = 15017, Name = "https-webhook" } },
                Selector = new Dictionary<string, string> { ["app"] = "istiod", ["istio"] = "pilot" },
            },
        }, ns, cancellationToken: Ct);
        if (!withReaderRole) return;

        var name = "istio-reader-" + ns;
        await remote.Admin.RbacAuthorizationV1.CreateClusterRoleAsync(KubernetesYaml.Deserialize<V1ClusterRole>(Reader17Yaml.Replace("NAME", name)), cancellationToken: Ct);
        Forget(() => remote.Admin.RbacAuthorizationV1.DeleteClusterRoleAsync(name));
        await remote.Admin.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "istio-reader" } },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
            Subjects = new List<Rbacv1Subject> { new() { Kind = "ServiceAccount", Name = "istio-reader-service-account", NamespaceProperty = ns } },
        }, cancellationToken: Ct);
        Forget(() => remote.Admin.RbacAuthorizationV1.DeleteClusterRoleBindingAsync(name));
    }

    /// <summary>Removes a cluster-scoped object after the test (the module's own roles too).</summary>
    public void Forget(Func<Task> delete) => _cleanup.Add(delete);

    public async ValueTask DisposeAsync()
    {
        foreach (var delete in _cleanup)
        {
            try { await delete(); }
            catch (Exception) { /* gone already, or the 1.20 delete body the typed client cannot read */ }
        }
    }

    /// <summary>The reader ClusterRole of Istio 1.7.8 (manifests/charts/base/templates/clusterrole.yaml), as rendered.</summary>
    public const string Reader17Yaml = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: NAME
          labels:
            app: istio-reader
            release: istio-base
        rules:
          - apiGroups:
              - "config.istio.io"
              - "security.istio.io"
              - "networking.istio.io"
              - "authentication.istio.io"
              - "rbac.istio.io"
            resources: ["*"]
            verbs: ["get", "list", "watch"]
          - apiGroups: [""]
            resources: ["endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces"]
            verbs: ["get", "list", "watch"]
          - apiGroups: ["apps"]
            resources: ["replicasets"]
            verbs: ["get", "list", "watch"]
        """;

    /// <summary>A CA certificate's PEM shape; nothing here verifies it.</summary>
    private const string Pem = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUeHBsYXllZC1yb290LWNlcnQtZm9yLXRlc3Rz\n-----END CERTIFICATE-----\n";
}
