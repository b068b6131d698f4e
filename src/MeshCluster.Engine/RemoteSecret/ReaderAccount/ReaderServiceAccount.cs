using System.Management.Automation;
using System.Net;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>One verb on one resource of an API group ("" is the core group).</summary>
public sealed record ReaderAccess(string Group, string Resource, string Verb)
{
    /// <summary>kubectl's resource.group spelling: pods, endpointslices.discovery.k8s.io.</summary>
    public string QualifiedResource => Group.Length == 0 ? Resource : $"{Resource}.{Group}";
}

/// <summary>
/// The service account in the remote cluster whose token istiod uses, and (with -CreateServiceAccount)
/// the reader ClusterRole and ClusterRoleBinding Istio's chart makes for it (<see cref="ReaderRoleChart"/>).
/// </summary>
public static class ReaderServiceAccount
{
    /// <summary>What Test-IstioRemoteCluster asks a remote of unknown form and version: the current chart's essential rights.</summary>
    public static IReadOnlyList<ReaderAccess> RequiredAccess => ReaderRoleChart.Current("istio-system", remoteProfile: false).RequiredAccess;

    public static Task<V1ServiceAccount?> GetAsync(KubeConnection remote, string ns, string name, CancellationToken ct) =>
        KubeApi.TryGetAsync(remote, $"reading ServiceAccount {ns}/{name}",
            c => c.Client.CoreV1.ReadNamespacedServiceAccountAsync(name, ns, cancellationToken: c.Token), ct);

    public static MeshClusterException NotFound(KubeConnection remote, string ns, string name) =>
        new(ErrorIds.ServiceAccountNotFound, ErrorCategory.ObjectNotFound,
            $"No ServiceAccount '{name}' in namespace '{ns}' of the remote context '{remote.ContextName}'.",
            target: $"{ns}/{name}",
            recommendedAction: "Add -CreateServiceAccount to create it with the reader ClusterRole and ClusterRoleBinding Istio needs, or pick an existing one with -ServiceAccount and -Namespace.");

    /// <summary>
    /// Creates whatever is missing of namespace, service account, reader ClusterRole and binding; changes nothing that exists but a
    /// missing binding subject. The role is the chart's of the Istio the remote runs (<see cref="ChooseRoleAsync"/>).
    /// </summary>
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

        var (role, existing) = await ChooseRoleAsync(remote, ns, reporter, ct).ConfigureAwait(false);
        await EnsureReaderRoleAsync(remote, role, existing, reporter, ct).ConfigureAwait(false);
        await AddToBindingAsync(remote, role.Name, new Rbacv1Subject { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns }, reporter, ct)
            .ConfigureAwait(false);
        return account;
    }

    /// <summary>
    /// The reader role for this remote, as Istio's chart of the Istio it runs makes it, and the role of that name if it exists. The rule:
    /// the form and version <see cref="IstioNamespaceReader"/> reads (the remote profile gets the 1.11+ role with its extras; Istio 1.7-1.10
    /// the role of their chart, named istio-reader-&lt;ns&gt;; 1.11 and later the current chart's). Without a version, an existing
    /// istio-reader-clusterrole-&lt;ns&gt; means 1.11+, else an existing istio-reader-&lt;ns&gt; means 1.7-1.10 (their charts made it),
    /// else the current chart's role is made.
    /// </summary>
    public static async Task<(ReaderRole Role, V1ClusterRole? Existing)> ChooseRoleAsync(KubeConnection remote, string ns, IOperationReporter reporter, CancellationToken ct)
    {
        var facts = await IstioNamespaceReader.ReadAsync(remote, ns, ct).ConfigureAwait(false);
        reporter.Verbose($"Remote context '{remote.ContextName}': {facts.Describe()}.");
        var remoteProfile = facts.Form == ControlPlaneForm.Remote;
        var current = await ReadRoleAsync(remote, ReaderRoleChart.CurrentName(ns), ct).ConfigureAwait(false);
        V1ClusterRole? legacy = null;
        if (facts.Version is null && !remoteProfile && current is null)
        {
            legacy = await ReadRoleAsync(remote, ReaderRoleChart.LegacyName(ns), ct).ConfigureAwait(false);
        }

        var role = ReaderRoleChart.For(ns, facts.Version, remoteProfile, preferLegacy: legacy is not null);
        var existing = role.Name == ReaderRoleChart.CurrentName(ns) ? current : legacy ?? await ReadRoleAsync(remote, role.Name, ct).ConfigureAwait(false);
        return (role, existing);
    }

    private static Task<V1ClusterRole?> ReadRoleAsync(KubeConnection remote, string name, CancellationToken ct) =>
        KubeApi.TryGetAsync(remote, $"reading ClusterRole {name}", c => c.Client.RbacAuthorizationV1.ReadClusterRoleAsync(name, cancellationToken: c.Token), ct);

    private static async Task EnsureReaderRoleAsync(KubeConnection remote, ReaderRole role, V1ClusterRole? existing, IOperationReporter reporter, CancellationToken ct)
    {
        if (existing is null)
        {
            reporter.Verbose($"Creating ClusterRole {role.Name} in context '{remote.ContextName}': the rules of {role.Chart}.");
            await KubeApi.CreateOrExistingAsync(remote, $"creating ClusterRole {role.Name}",
                c => c.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
                {
                    Metadata = new V1ObjectMeta { Name = role.Name, Labels = new Dictionary<string, string> { [RemoteSecretNames.ManagedByLabel] = RemoteSecretNames.FieldManager } },
                    Rules = role.Rules.ToList(),
                }, cancellationToken: c.Token), ct).ConfigureAwait(false);
            return;
        }

        // An existing role (istioctl's, the user's) is never changed, not even towards the chart: only what it lacks of istiod's needs is said.
        var missing = role.RequiredAccess.Where(a => !ReaderRole.Grants(existing.Rules, a)).ToList();
        if (missing.Count == 0)
        {
            reporter.Verbose($"ClusterRole {role.Name} exists in context '{remote.ContextName}' and grants what istiod needs; it is left as it is.");
            return;
        }

        reporter.Warning($"ClusterRole {role.Name} in context '{remote.ContextName}' lacks {missing.Count} right(s) that {role.Chart} grants and istiod needs: " +
                         $"{Describe(missing)}. It was left as it is; Test-IstioRemoteCluster will report Authorization failed until it grants them.");
    }

    /// <summary>"get, list, watch pods, services; patch mutatingwebhookconfigurations.admissionregistration.k8s.io": resources grouped by the verbs that apply.</summary>
    public static string Describe(IEnumerable<ReaderAccess> rights) =>
        string.Join("; ", rights.GroupBy(r => r.QualifiedResource)
            .Select(g => (Verbs: string.Join(", ", g.Select(r => r.Verb)), Resource: g.Key))
            .GroupBy(x => x.Verbs)
            .Select(g => $"{g.Key} {string.Join(", ", g.Select(x => x.Resource))}"));

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
