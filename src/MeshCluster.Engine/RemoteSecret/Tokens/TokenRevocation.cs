using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What became of a token secret a command meant to revoke, and why: shown in the command's output.</summary>
public sealed record RevocationOutcome(string? TokenSecretName, bool Revoked, string Reason);

/// <summary>
/// Revoking a token secret safely against every other MeshCluster command running at the same time (issue 20).
/// A token secret is deleted only when no remote secret in any namespace of the primary holds its token, proven by a
/// three-step protocol: (1) mark it (annotation <see cref="RevokingAnnotation"/>, an update that is itself a
/// compare-and-swap on its resourceVersion), (2) read every remote secret of the primary, (3) delete it under a
/// precondition on the marked resourceVersion. A command that has just written a token into the primary confirms
/// afterwards that its token secret is there and unmarked (<see cref="ConfirmLiveAsync"/>), removing a mark it finds:
/// that changes the resourceVersion, so a revocation that looked at the primary before the write fails its delete and keeps the token.
/// </summary>
internal static class TokenRevocation
{
    public const string RevokingAnnotation = "meshcluster.io/revoking";

    /// <summary>The remote secrets (namespace/name), in any namespace of the primary, that hold <paramref name="token"/>; null when they cannot all be read.</summary>
    public static async Task<IReadOnlyList<string>?> HoldersAsync(KubeConnection primary, string token, IOperationReporter reporter, CancellationToken ct)
    {
        V1SecretList list;
        try
        {
            list = await KubeApi.CallAsync(primary, "listing the remote secrets of every namespace",
                c => c.Client.CoreV1.ListSecretForAllNamespacesAsync(labelSelector: RemoteSecretNames.MultiClusterLabel + "=true", cancellationToken: c.Token), ct)
                .ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.StatusCode == HttpStatusCode.Forbidden)
        {
            reporter.Verbose($"Cannot list remote secrets in every namespace of context '{primary.ContextName}' (403): no token is revoked that cannot be proven unused.");
            return null;
        }

        var now = DateTimeOffset.UtcNow;
        return (list.Items ?? new List<V1Secret>())
            .SelectMany(s => RemoteSecretParser.ParseAll(s, primary.ContextName, now))
            .Where(e => RemoteCredentials.SameToken(e.Credentials?.Token, token))
            .Select(e => $"{e.Info.Namespace}/{e.Info.SecretName}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Deletes <paramref name="tokenSecret"/> if, and only if, no remote secret of the primary holds its token (see the class).</summary>
    public static async Task<RevocationOutcome> RevokeAsync(KubeConnection remote, KubeConnection primary, V1Secret tokenSecret,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = tokenSecret.Metadata.NamespaceProperty;
        var name = tokenSecret.Metadata.Name;
        var token = TokenSecrets.TokenOf(tokenSecret);
        if (token is null) return new(name, false, "it holds no token");

        tokenSecret.Metadata.Annotations ??= new Dictionary<string, string>();
        tokenSecret.Metadata.Annotations[RevokingAnnotation] = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture);
        V1Secret marked;
        try
        {
            marked = await KubeApi.CallAsync(remote, $"marking token secret {ns}/{name} for revocation",
                c => c.Client.CoreV1.ReplaceNamespacedSecretAsync(tokenSecret, name, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return new(name, false, ex.StatusCode == HttpStatusCode.NotFound ? "it was deleted meanwhile" : "it changed meanwhile (another command is using it)");
        }

        var holders = await HoldersAsync(primary, token, reporter, ct).ConfigureAwait(false);
        if (holders is null || holders.Count > 0)
        {
            await UnmarkAsync(remote, marked, ct).ConfigureAwait(false);
            return new(name, false, holders is null
                ? $"the remote secrets of every namespace of context '{primary.ContextName}' cannot be read, so it cannot be proven unused"
                : $"remote secret(s) {string.Join(", ", holders)} of context '{primary.ContextName}' still use its token");
        }

        reporter.Verbose($"Deleting token secret {ns}/{name} in context '{remote.ContextName}': no remote secret of context '{primary.ContextName}' holds its token.");
        try
        {
            await KubeApi.CallAsync(remote, $"deleting Secret {ns}/{name}",
                async c =>
                {
                    using var response = await c.Client.CoreV1.DeleteNamespacedSecretWithHttpMessagesAsync(name, ns,
                        new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = marked.Metadata.Uid, ResourceVersion = marked.Metadata.ResourceVersion } },
                        cancellationToken: c.Token).ConfigureAwait(false);
                    return true;
                }, ct).ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return new(name, false, ex.StatusCode == HttpStatusCode.NotFound
                ? "it was deleted meanwhile"
                : "a command that publishes its token took it back meanwhile");
        }

        return new(name, true, $"no remote secret in any namespace of context '{primary.ContextName}' holds its token");
    }

    /// <summary>
    /// After a command has written the token of <paramref name="name"/> into the primary: true when that token secret is still there
    /// with the same token, any revocation mark on it removed; false when it was revoked meanwhile (the token no longer works).
    /// </summary>
    public static async Task<bool> ConfirmLiveAsync(KubeConnection remote, string ns, string name, string token, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var secret = await KubeApi.TryGetAsync(remote, $"reading Secret {ns}/{name}",
                c => c.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
            if (secret is null || !RemoteCredentials.SameToken(TokenSecrets.TokenOf(secret), token)) return false;
            if (secret.Metadata.Annotations?.ContainsKey(RevokingAnnotation) != true) return true;
            if (await UnmarkAsync(remote, secret, ct).ConfigureAwait(false)) return true;
        }

        return false;
    }

    private static async Task<bool> UnmarkAsync(KubeConnection remote, V1Secret secret, CancellationToken ct)
    {
        secret.Metadata.Annotations?.Remove(RevokingAnnotation);
        try
        {
            await KubeApi.CallAsync(remote, $"unmarking token secret {secret.Metadata.NamespaceProperty}/{secret.Metadata.Name}",
                c => c.Client.CoreV1.ReplaceNamespacedSecretAsync(secret, secret.Metadata.Name, secret.Metadata.NamespaceProperty, cancellationToken: c.Token), ct)
                .ConfigureAwait(false);
            return true;
        }
        catch (MeshClusterException ex) when (ex.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
