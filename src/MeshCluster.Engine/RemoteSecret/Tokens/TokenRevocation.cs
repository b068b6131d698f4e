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

    /// <summary>
    /// Deletes <paramref name="tokenSecret"/> if, and only if, no remote secret of the primary holds its token (see the class).
    /// A command that took the token back meanwhile (its confirmation removed the mark) ends one attempt; the protocol then runs
    /// again on the secret as it is now, so a token it replaced right after is not left behind unheld (two rotations at once).
    /// </summary>
    public static async Task<RevocationOutcome> RevokeAsync(KubeConnection remote, KubeConnection primary, V1Secret tokenSecret,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = tokenSecret.Metadata.NamespaceProperty;
        var name = tokenSecret.Metadata.Name;
        var token = TokenSecrets.TokenOf(tokenSecret);
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, contended) = await RevokeOnceAsync(remote, primary, tokenSecret, reporter, ct).ConfigureAwait(false);
            if (!contended || attempt == MaxAttempts) return outcome;

            var now = await KubeApi.TryReadSecretAsync(remote, ns, name, ct).ConfigureAwait(false);
            if (now is null) return new(name, false, "it was deleted meanwhile");
            if (!RemoteCredentials.SameToken(TokenSecrets.TokenOf(now), token)) return outcome;
            reporter.Verbose($"Token secret {ns}/{name} changed meanwhile ({outcome.Reason}): checking again whether anything still holds its token.");
            tokenSecret = now;
        }
    }

    private const int MaxAttempts = 4;

    private static async Task<(RevocationOutcome Outcome, bool Contended)> RevokeOnceAsync(KubeConnection remote, KubeConnection primary, V1Secret tokenSecret,
        IOperationReporter reporter, CancellationToken ct)
    {
        var ns = tokenSecret.Metadata.NamespaceProperty;
        var name = tokenSecret.Metadata.Name;
        var token = TokenSecrets.TokenOf(tokenSecret);
        if (token is null) return (new(name, false, "it holds no token"), false);

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
            return (new(name, false, ex.StatusCode == HttpStatusCode.NotFound ? "it was deleted meanwhile" : "it changed meanwhile (another command is using it)"),
                ex.StatusCode == HttpStatusCode.Conflict);
        }

        var holders = await HoldersAsync(primary, token, reporter, ct).ConfigureAwait(false);
        if (holders is null || holders.Count > 0)
        {
            await UnmarkAsync(remote, marked, ct).ConfigureAwait(false);
            return (new(name, false, holders is null
                ? $"the remote secrets of every namespace of context '{primary.ContextName}' cannot be read, so it cannot be proven unused"
                : $"remote secret(s) {string.Join(", ", holders)} of context '{primary.ContextName}' still use its token"), false);
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
            return (new(name, false, ex.StatusCode == HttpStatusCode.NotFound
                ? "it was deleted meanwhile"
                : "a command that publishes its token took it back meanwhile"), ex.StatusCode == HttpStatusCode.Conflict);
        }

        return (new(name, true, $"no remote secret in any namespace of context '{primary.ContextName}' holds its token"), false);
    }

    /// <summary>
    /// After a command has written the token of <paramref name="name"/> into the primary: true when that token secret is still there
    /// with the same token, any revocation mark on it (and a rotation's <see cref="RemoteSecretNames.UnconfirmedAnnotation"/>) removed; false when it was revoked meanwhile (the token no longer works).
    /// </summary>
    public static async Task<bool> ConfirmLiveAsync(KubeConnection remote, string ns, string name, string token, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var secret = await KubeApi.TryReadSecretAsync(remote, ns, name, ct).ConfigureAwait(false);
            if (secret is null || !RemoteCredentials.SameToken(TokenSecrets.TokenOf(secret), token)) return false;
            if (secret.Metadata.Annotations is not { } marks || (!marks.ContainsKey(RevokingAnnotation) && !marks.ContainsKey(RemoteSecretNames.UnconfirmedAnnotation))) return true;
            if (await UnmarkAsync(remote, secret, ct, confirmed: true).ConfigureAwait(false)) return true;
        }

        return false;
    }

    private static async Task<bool> UnmarkAsync(KubeConnection remote, V1Secret secret, CancellationToken ct, bool confirmed = false)
    {
        secret.Metadata.Annotations?.Remove(RevokingAnnotation);
        if (confirmed) secret.Metadata.Annotations?.Remove(RemoteSecretNames.UnconfirmedAnnotation);
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
