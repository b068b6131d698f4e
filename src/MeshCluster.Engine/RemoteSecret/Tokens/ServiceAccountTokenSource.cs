using System.Management.Automation;
using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>How the service account's long-lived token is found.</summary>
public enum TokenSecretMode
{
    /// <summary>By server version: before 1.24 <see cref="Listed"/>, else <see cref="Created"/>.</summary>
    Auto,

    /// <summary>The one token secret the service account lists in <c>secrets</c> (Kubernetes before 1.24).</summary>
    Listed,

    /// <summary>A token secret of our own, <c>&lt;sa&gt;-istio-remote-secret-token</c>, created if missing (Kubernetes 1.24 on).</summary>
    Created,
}

/// <summary>A service-account token and the cluster CA that came with it. <see cref="ToString"/> leaves the token out.</summary>
public sealed class ServiceAccountToken
{
    internal ServiceAccountToken(string? secretName, string token, byte[] certificateAuthority, DateTimeOffset? expires = null)
    {
        SecretName = secretName;
        Token = token;
        CertificateAuthority = certificateAuthority;
        Expires = expires;
    }

    /// <summary>The token secret it came from; null for a TokenRequest token.</summary>
    public string? SecretName { get; }
    internal string Token { get; }
    public byte[] CertificateAuthority { get; }

    /// <summary>When a TokenRequest token expires; null for a token secret's token.</summary>
    public DateTimeOffset? Expires { get; }

    public override string ToString() => SecretName ?? $"a token expiring at {Expires:u}";
}

/// <summary>
/// istioctl's getServiceAccountSecret: the token secret of a service account, waiting (by watch,
/// bounded) for the token controller to fill <c>token</c> and <c>ca.crt</c>.
/// </summary>
public static class ServiceAccountTokenSource
{
    public static async Task<ServiceAccountToken> GetAsync(KubeConnection remote, V1ServiceAccount account, TokenSecretMode mode,
        TimeSpan timeout, IOperationReporter reporter, CancellationToken ct)
    {
        if (mode == TokenSecretMode.Auto)
        {
            var info = await KubeApi.CallAsync(remote, "reading the server version", c => c.Client.Version.GetCodeAsync(c.Token), ct).ConfigureAwait(false);
            var version = KubeServerVersion.Parse(info.Major, info.Minor);
            mode = version is { MakesTokenSecrets: true } ? TokenSecretMode.Listed : TokenSecretMode.Created;
            reporter.Verbose($"The remote API server is Kubernetes {version?.ToString() ?? $"'{info.Major}.{info.Minor}' (unrecognised)"}: " +
                             (mode == TokenSecretMode.Listed ? "using the token secret the service account lists." : $"using token secret {RemoteSecretNames.TokenSecretName(Name(account))}, created if missing."));
        }

        var ns = account.Metadata.NamespaceProperty;
        V1Secret secret;
        string secretName;
        for (var attempt = 1; ; attempt++)
        {
            secretName = mode == TokenSecretMode.Listed
                ? await ListedSecretAsync(remote, account, timeout, reporter, ct).ConfigureAwait(false)
                : await OwnSecretAsync(remote, account, reporter, ct).ConfigureAwait(false);
            try
            {
                secret = await WaitFilledAsync(remote, ns, secretName, timeout, reporter, ct).ConfigureAwait(false);
                break;
            }
            catch (MeshClusterException ex) when (mode == TokenSecretMode.Listed && attempt < 4 &&
                                                  ex.ErrorId == ErrorIds.ServiceAccountTokenNotReady && ex.Category == ErrorCategory.ResourceUnavailable)
            {
                // The listed secret went (revoked by a rotation): the token controller lists a new one. It also deletes one it made
                // when it then fails to list it (kubernetes pkg/controller/serviceaccount/tokens_controller.go, ensureReferencedToken).
                reporter.Verbose($"Token secret {ns}/{secretName} went before it was filled: reading ServiceAccount {ns}/{Name(account)} again.");
                var name = Name(account);
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), ct).ConfigureAwait(false); // the controller lists the new one shortly after
                account = await ReaderServiceAccount.GetAsync(remote, ns, name, ct).ConfigureAwait(false) ?? throw ReaderServiceAccount.NotFound(remote, ns, name);
            }
        }

        var token = Encoding.UTF8.GetString(secret.Data["token"]);
        SecretRedactor.Register(token);
        reporter.Debug($"Token secret {ns}/{secretName}: token of {secret.Data["token"].Length} bytes, ca.crt of {secret.Data["ca.crt"].Length} bytes.");
        return new ServiceAccountToken(secretName, token, secret.Data["ca.crt"]);
    }

    /// <summary>True when both keys istiod needs are there; registers the token as soon as it is seen.</summary>
    public static bool IsFilled(V1Secret? secret)
    {
        if (secret?.Data is null) return false;
        if (secret.Data.TryGetValue("token", out var token) && token.Length > 0)
        {
            SecretRedactor.Register(Encoding.UTF8.GetString(token));
            SecretRedactor.Register(Convert.ToBase64String(token));
        }

        return secret.Data.TryGetValue("token", out var t) && t.Length > 0 && secret.Data.TryGetValue("ca.crt", out var ca) && ca.Length > 0;
    }

    private static string Name(V1ServiceAccount account) => account.Metadata.Name;

    /// <summary>The secrets the service account lists (before 1.24, its token secret), waiting for the token controller when it lists none yet.</summary>
    internal static async Task<List<string>> WaitListedAsync(KubeConnection remote, V1ServiceAccount account, TimeSpan timeout,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = account.Metadata.NamespaceProperty;
        var name = Name(account);
        var listed = account.Secrets?.Select(s => s.Name).Where(KubeNameRule.IsName).ToList() ?? new List<string>();
        if (listed.Count > 0) return listed;

        // A service account made a moment ago gets its token secret from the token controller shortly after.
        reporter.Verbose($"ServiceAccount {ns}/{name} lists no token secret yet; waiting up to {timeout.TotalSeconds:0} s for the token controller.");
        var what = $"watching ServiceAccount {ns}/{name}";
        var outcome = await ListWatch.UntilObjectAsync<V1ServiceAccount, V1ServiceAccountList>(
            remote, what, name,
            (client, field, token) => client.CoreV1.ListNamespacedServiceAccountAsync(ns, fieldSelector: field, cancellationToken: token),
            (client, field, rv, seconds, onError, token) => client.CoreV1.WatchListNamespacedServiceAccountAsync(ns, fieldSelector: field,
                resourceVersion: rv, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: token),
            sa => sa?.Secrets?.Any(s => KubeNameRule.IsName(s.Name)) == true,
            timeout, reporter, ct).ConfigureAwait(false);
        if (!outcome.Listed) throw ListWatch.NeverReached(remote, what, timeout, outcome.LastFailure);
        return outcome is { Done: true, State: { } state } ? state.Secrets.Select(s => s.Name).Where(KubeNameRule.IsName).ToList() : listed;
    }

    private static async Task<string> ListedSecretAsync(KubeConnection remote, V1ServiceAccount account, TimeSpan timeout,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = account.Metadata.NamespaceProperty;
        var name = Name(account);
        var listed = await WaitListedAsync(remote, account, timeout, reporter, ct).ConfigureAwait(false);
        return listed.Count switch
        {
            0 => throw new MeshClusterException(ErrorIds.ServiceAccountTokenSecretMissing, ErrorCategory.ObjectNotFound,
                $"ServiceAccount {ns}/{name} in context '{remote.ContextName}' lists no token secret.",
                target: $"{ns}/{name}",
                recommendedAction: "Kubernetes 1.24 and later make no token secret on their own; -ForceTokenSecret creates one."),
            1 => listed[0],
            _ => throw new MeshClusterException(ErrorIds.ServiceAccountTokenSecretAmbiguous, ErrorCategory.InvalidData,
                $"ServiceAccount {ns}/{name} in context '{remote.ContextName}' lists {listed.Count} secrets ({string.Join(", ", listed)}); which one holds the token istiod should use is unclear.",
                target: $"{ns}/{name}",
                recommendedAction: "Leave one secret in the service account's 'secrets', or use -ForceTokenSecret to use a token secret of this module's own."),
        };
    }

    private static async Task<string> OwnSecretAsync(KubeConnection remote, V1ServiceAccount account,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = account.Metadata.NamespaceProperty;
        var sa = Name(account);
        var own = RemoteSecretNames.TokenSecretName(sa);
        var existing = await KubeApi.TryReadSecretAsync(remote, ns, own, ct).ConfigureAwait(false);
        if (existing is not null)
        {
            if (!IsTokenOf(existing, sa))
            {
                throw new MeshClusterException(ErrorIds.ServiceAccountTokenSecretConflict, ErrorCategory.ResourceExists,
                    $"Secret {ns}/{own} in context '{remote.ContextName}' exists but is no {RemoteSecretNames.ServiceAccountTokenType} of ServiceAccount '{sa}'.",
                    target: $"{ns}/{own}");
            }

            reporter.Verbose($"Reusing token secret {ns}/{own}.");
            return own;
        }

        // Reuse a token secret someone made for this account by hand. Those Kubernetes generated
        // before 1.24 (listed in the account's secrets, or named <sa>-token-xxxxx while the controller
        // has yet to list them) are skipped: 1.29 on invalidates and removes them.
        var generated = new HashSet<string>(account.Secrets?.Select(s => s.Name) ?? Enumerable.Empty<string>(), StringComparer.Ordinal);
        var tokens = await KubeApi.CallAsync(remote, $"listing token secrets in namespace {ns}",
            c => c.Client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "type=" + RemoteSecretNames.ServiceAccountTokenType, cancellationToken: c.Token), ct).ConfigureAwait(false);
        var manual = tokens.Items
            .Where(s => IsTokenOf(s, sa) && !generated.Contains(s.Metadata.Name) && !RemoteSecretNames.IsGeneratedTokenSecretName(s.Metadata.Name, sa))
            .OrderBy(s => s.Metadata.CreationTimestamp ?? DateTime.MaxValue).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (manual is not null)
        {
            reporter.Verbose($"Reusing token secret {ns}/{manual.Metadata.Name}, annotated for ServiceAccount '{sa}'.");
            return manual.Metadata.Name;
        }

        reporter.Verbose($"Creating token secret {ns}/{own} for ServiceAccount '{sa}' in context '{remote.ContextName}'.");
        // A 409: another run made it meanwhile, which is as good.
        await KubeApi.CreateOrExistingAsync(remote, $"creating Secret {ns}/{own}",
            c => c.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new V1ObjectMeta
                {
                    Name = own,
                    NamespaceProperty = ns,
                    Annotations = new Dictionary<string, string> { [RemoteSecretNames.ServiceAccountNameAnnotation] = sa },
                    Labels = new Dictionary<string, string> { [RemoteSecretNames.ManagedByLabel] = RemoteSecretNames.FieldManager },
                },
                Type = RemoteSecretNames.ServiceAccountTokenType,
            }, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        return own;
    }

    internal static bool IsTokenOf(V1Secret secret, string account) =>
        secret.Type == RemoteSecretNames.ServiceAccountTokenType &&
        secret.Metadata?.Annotations?.TryGetValue(RemoteSecretNames.ServiceAccountNameAnnotation, out var a) == true && a == account;

    internal static async Task<V1Secret> WaitFilledAsync(KubeConnection remote, string ns, string name, TimeSpan timeout,
        IOperationReporter reporter, CancellationToken ct)
    {
        var what = $"watching Secret {ns}/{name}";
        var (done, state, listed, lastFailure) = await ListWatch.UntilObjectAsync<V1Secret, V1SecretList>(
            remote, what, name,
            (client, field, token) => client.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: field, cancellationToken: token),
            (client, field, rv, seconds, onError, token) => client.CoreV1.WatchListNamespacedSecretAsync(ns, fieldSelector: field,
                resourceVersion: rv, timeoutSeconds: seconds, allowWatchBookmarks: true, onError: onError, cancellationToken: token),
            // It existed a moment ago: gone means the token controller removed it (its account
            // does not match), and no wait brings it back.
            secret => IsFilled(secret ?? throw new MeshClusterException(ErrorIds.ServiceAccountTokenNotReady, ErrorCategory.ResourceUnavailable,
                $"Token secret {ns}/{name} in context '{remote.ContextName}' was deleted before the token controller filled it (a token secret whose service account or its uid does not match is removed).",
                target: $"{ns}/{name}")),
            timeout, reporter, ct).ConfigureAwait(false);

        if (done && state is not null) return state;
        if (!listed) throw ListWatch.NeverReached(remote, what, timeout, lastFailure);

        var missing = state is null
            ? "the secret does not exist"
            : string.Join(" and ", new[] { "token", "ca.crt" }.Where(k => state.Data is null || !state.Data.TryGetValue(k, out var v) || v.Length == 0)
                .Select(k => $"no \"{k}\" data"));
        throw new MeshClusterException(ErrorIds.ServiceAccountTokenNotReady, ErrorCategory.OperationTimeout,
            $"Token secret {ns}/{name} in context '{remote.ContextName}' was not filled by the token controller within {timeout.TotalSeconds:0} s: {missing}.",
            target: $"{ns}/{name}",
            recommendedAction: "Check that kube-controller-manager runs its serviceaccount-token controller, and that the secret's annotation names an existing ServiceAccount.");
    }
}
