using System.Management.Automation;
using System.Net;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>One verb on one resource of an API group ("" is the core group).</summary>
public sealed record ReaderAccess(string Group, string Resource, string Verb)
{
    /// <summary>kubectl's resource.group spelling: pods, endpointslices.discovery.k8s.io.</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>
/// The service account in the remote cluster whose token istiod uses, and (with -CreateServiceAccount)
/// the reader ClusterRole and ClusterRoleBinding istioctl creates for it.
/// </summary>
public static class ReaderServiceAccount
{
    private static readonly string[] Read = { "get", "list", "watch" };

    private static readonly string[] IstioGroups =
    {
        "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io",
        "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io",
    };

    /// <summary>What istiod reads from a remote cluster (the Istio chart's reader-clusterrole.yaml, without its Gateway API and multi-cluster services rules).</summary>
    public static IReadOnlyList<V1PolicyRule> ReaderRules { get; } = new[]
    {
        new V1PolicyRule { ApiGroups = IstioGroups, Resources = new[] { "*" }, Verbs = Read },
        new V1PolicyRule
        {
            ApiGroups = new[] { "" },
            Resources = new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets", "configmaps" },
            Verbs = Read,
        },
        new V1PolicyRule { ApiGroups = new[] { "discovery.k8s.io" }, Resources = new[] { "endpointslices" }, Verbs = Read },
        new V1PolicyRule { ApiGroups = new[] { "apiextensions.k8s.io" }, Resources = new[] { "customresourcedefinitions" }, Verbs = Read },
        new V1PolicyRule { ApiGroups = new[] { "apps" }, Resources = new[] { "replicasets" }, Verbs = Read },
        new V1PolicyRule { ApiGroups = new[] { "authentication.k8s.io" }, Resources = new[] { "tokenreviews" }, Verbs = new[] { "create" } },
        new V1PolicyRule { ApiGroups = new[] { "authorization.k8s.io" }, Resources = new[] { "subjectaccessreviews" }, Verbs = new[] { "create" } },
    };

    /// <summary>The resources without which istiod's view of a remote cluster breaks (services and their endpoints, the pods, nodes and namespaces behind them, secrets for gateways).</summary>
    private static readonly HashSet<string> Essential = new(StringComparer.Ordinal)
    {
        "pods", "services", "endpoints", "endpointslices", "nodes", "namespaces", "secrets",
    };

    /// <summary>
    /// What Test-IstioRemoteCluster asks the remote API server about (a SelfSubjectAccessReview each):
    /// every verb <see cref="ReaderRules"/> grants on the essential resources, so the check and the
    /// role -CreateServiceAccount creates cannot drift apart.
    /// </summary>
    public static IReadOnlyList<ReaderAccess> RequiredAccess { get; } = ReaderRules
        .SelectMany(rule => rule.Resources.Where(Essential.Contains)
            .SelectMany(resource => rule.ApiGroups.SelectMany(group => rule.Verbs.Select(verb => new ReaderAccess(group, resource, verb)))))
        .ToArray();

    public static Task<V1ServiceAccount?> GetAsync(KubeConnection remote, string ns, string name, CancellationToken ct) =>
        KubeApi.TryGetAsync(remote, $"reading ServiceAccount {ns}/{name}",
            c => c.Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: c.Token), ct);

    public static MeshClusterException NotFound(KubeConnection remote, string ns, string name) =>
        new(ErrorIds.ServiceAccountNotFound, ErrorCategory.ObjectNotFound,
            $"No ServiceAccount '{name}' in namespace '{ns}' of the remote context '{remote.ContextName}'.",
            target: $"{ns}/{name}",
            recommendedAction: "Add -CreateServiceAccount to create it with the reader ClusterRole and ClusterRoleBinding Istio needs, or pick an existing one with -ServiceAccount and -Namespace.");

    /// <summary>Creates whatever is missing of namespace, service account, reader ClusterRole and binding; changes nothing that exists but a missing binding subject.</summary>
    public static async Task<V1ServiceAccount> EnsureAsync(KubeConnection remote, string ns, string name, IOperationReporter reporter, CancellationToken ct)
    {
        var existingNs = await KubeApi.TryGetAsync(remote, $"reading Namespace {ns}",
            c => c.Client.CoreV1.ReadNamespaceAsync(ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        if (existingNs is null)
        {
            reporter.Verbose($"Creating Namespace '{ns}' in context '{remote.ContextName}'.");
            await KubeApi.CreateOrExistingAsync(remote, $"creating Namespace {ns}",
                c => c.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }, cancellationToken: c.Token), ct).ConfigureAwait(false);
        }

        var account = await GetAsync(remote, ns, name, ct).ConfigureAwait(false);
        if (account is null)
        {
            reporter.Verbose($"Creating ServiceAccount {ns}/{name} in context '{remote.ContextName}'.");
            account = await KubeApi.CreateOrExistingAsync(remote, $"creating ServiceAccount {ns}/{name}",
                c => c.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } }, ns, cancellationToken: c.Token), ct).ConfigureAwait(false)
                ?? await GetAsync(remote, ns, name, ct).ConfigureAwait(false)
                ?? throw NotFound(remote, ns, name);
        }

        await EnsureReaderRoleAsync(remote, ns, name, reporter, ct).ConfigureAwait(false);
        return account;
    }

    private static async Task EnsureReaderRoleAsync(KubeConnection remote, string ns, string account, IOperationReporter reporter, CancellationToken ct)
    {
        var roleName = RemoteSecretNames.ReaderClusterRoleName(ns);
        var role = await KubeApi.TryGetAsync(remote, $"reading ClusterRole {roleName}",
            c => c.Client.RbacAuthorizationV1.ReadClusterRoleAsync(roleName, cancellationToken: c.Token), ct).ConfigureAwait(false);
        if (role is null)
        {
            // An existing role is left as it is: the Istio chart installs a wider one under the same name.
            reporter.Verbose($"Creating ClusterRole {roleName} in context '{remote.ContextName}'.");
            await KubeApi.CreateOrExistingAsync(remote, $"creating ClusterRole {roleName}",
                c => c.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
                {
                    Metadata = new V1ObjectMeta { Name = roleName, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = RemoteSecretNames.FieldManager } },
                    Rules = ReaderRules.ToList(),
                }, cancellationToken: c.Token), ct).ConfigureAwait(false);
        }

        await AddToBindingAsync(remote, roleName, new Rbacv1Subject { Kind = "ServiceAccount", Name = account, NamespaceProperty = ns }, reporter, ct)
            .ConfigureAwait(false);
    }

    /// <summary>The most times a binding is re-read and written again when others change it at the same time.</summary>
    private const int ConflictAttempts = 10;

    /// <summary>
    /// Puts the account among the binding's subjects, keeping the others: client-go's RetryOnConflict.
    /// Many onboardings at once share one binding, so a create that meets an existing one, or an update
    /// that meets a newer version (409), reads the binding again and merges once more.
    /// </summary>
    private static async Task AddToBindingAsync(KubeConnection remote, string roleName, Rbacv1Subject subject, IOperationReporter reporter, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            var binding = await KubeApi.TryGetAsync(remote, $"reading ClusterRoleBinding {roleName}",
                c => c.Client.RbacAuthorizationV1.ReadClusterRoleBindingAsync(roleName, cancellationToken: c.Token), ct).ConfigureAwait(false);
            if (binding?.Subjects?.Any(s => s.Kind == subject.Kind && s.Name == subject.Name && s.NamespaceProperty == subject.NamespaceProperty) == true) return;

            try
            {
                if (binding is null)
                {
                    reporter.Verbose($"Creating ClusterRoleBinding {roleName} for ServiceAccount {subject.NamespaceProperty}/{subject.Name} in context '{remote.ContextName}'.");
                    await KubeApi.CallAsync(remote, $"creating ClusterRoleBinding {roleName}",
                        c => c.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
                        {
                            Metadata = new V1ObjectMeta { Name = roleName, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = RemoteSecretNames.FieldManager } },
                            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = roleName },
                            Subjects = new List<Rbacv1Subject> { subject },
                        }, cancellationToken: c.Token), ct).ConfigureAwait(false);
                }
                else
                {
                    // The binding exists for other accounts (a non-default -ServiceAccount): add ours, keep theirs.
                    // The read's resourceVersion goes back with the update, so a change in between is a 409, not a loss.
                    reporter.Verbose($"Adding ServiceAccount {subject.NamespaceProperty}/{subject.Name} to ClusterRoleBinding {roleName} in context '{remote.ContextName}'.");
                    binding.Subjects = (binding.Subjects ?? new List<Rbacv1Subject>()).Append(subject).ToList();
                    await KubeApi.CallAsync(remote, $"updating ClusterRoleBinding {roleName}",
                        c => c.Client.RbacAuthorizationV1.ReplaceClusterRoleBindingAsync(binding, roleName, cancellationToken: c.Token), ct).ConfigureAwait(false);
                }

                return;
            }
            catch (MeshClusterException ex) when (ex.StatusCode == HttpStatusCode.Conflict && attempt < ConflictAttempts)
            {
                reporter.Debug($"ClusterRoleBinding {roleName} changed meanwhile (409); reading it again (attempt {attempt + 1} of {ConflictAttempts}).");
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(10, 50 * attempt)), ct).ConfigureAwait(false);
            }
        }
    }
}
