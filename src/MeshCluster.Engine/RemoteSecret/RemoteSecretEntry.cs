using k8s.Models;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// One cluster of a primary's remote secret (one data key), parsed once: what Get-IstioRemoteSecret shows and what the other
/// day-two commands act on.
/// </summary>
public sealed class RemoteSecretEntry
{
    private readonly string? _expired;

    internal RemoteSecretEntry(V1Secret secret, IstioRemoteSecretInfo info, RemoteCredentials? credentials, JwtClaims? claims,
        IReadOnlyList<string> blocking, IReadOnlyList<string> notes, string? expired)
    {
        Uid = secret.Metadata?.Uid;
        DataKeys = (secret.Data?.Keys ?? Enumerable.Empty<string>()).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Info = info;
        Credentials = credentials;
        Claims = claims;
        Blocking = blocking;
        Notes = notes;
        _expired = expired;
    }

    private RemoteSecretEntry(RemoteSecretEntry entry, IstioRemoteSecretInfo info, IReadOnlyList<string> ignored, IReadOnlyList<string> contested)
    {
        Uid = entry.Uid;
        DataKeys = entry.DataKeys;
        Info = info;
        Credentials = entry.Credentials;
        Claims = entry.Claims;
        Blocking = entry.Blocking;
        Notes = entry.Notes;
        _expired = entry._expired;
        Ignored = ignored;
        Contested = contested;
    }

    public IstioRemoteSecretInfo Info { get; }

    /// <summary>The Secret's uid in the primary (a precondition when deleting it).</summary>
    public string? Uid { get; }

    /// <summary>The Secret's data keys: istiod reads each as a cluster.</summary>
    public IReadOnlyList<string> DataKeys { get; }

    /// <summary>Null when the kubeconfig cannot be read as far as a server URL.</summary>
    public RemoteCredentials? Credentials { get; }

    /// <summary>The token's claims, read without verifying it; null for no JWT.</summary>
    public JwtClaims? Claims { get; }

    /// <summary>Problems that keep istiod (or MeshCluster) from using the credentials at all.</summary>
    public IReadOnlyList<string> Blocking { get; }

    /// <summary>Why istiod ignores this cluster whatever its credentials (the primary's own cluster name).</summary>
    public IReadOnlyList<string> Ignored { get; } = Array.Empty<string>();

    /// <summary>Other Secrets claim the same cluster: istiod uses one of them.</summary>
    public IReadOnlyList<string> Contested { get; } = Array.Empty<string>();

    /// <summary>What istiod lives with (several data keys, an annotation that differs, an option the primary's istiod allows).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when there is a server and a bearer token and no blocking problem.</summary>
    public bool HasUsableToken => Credentials?.Token is not null && Blocking.Count == 0;

    /// <summary>True when MeshCluster can authenticate as istiod would (a token, an inline client certificate, a user name and password) and nothing blocks it.</summary>
    public bool HasTestableCredentials => Credentials?.HasTestableCredentials == true && Blocking.Count == 0;

    /// <summary>This entry with what the other Secrets and the primary's istiod add (nothing added: the same entry).</summary>
    internal RemoteSecretEntry With(IReadOnlyList<string> ignored, IReadOnlyList<string> contested)
    {
        if (ignored.Count == 0 && contested.Count == 0) return this;
        var i = Info;
        var problems = ProblemsOf(Blocking, ignored, contested, _expired);
        return new RemoteSecretEntry(this, new IstioRemoteSecretInfo(i.ClusterName, i.SecretName, i.Namespace, i.Context, i.Server, i.AuthType, i.ServiceAccount,
            i.ServiceAccountNamespace, i.TokenExpires, i.CreatedAt, i.ResourceVersion, problems, i.AnnotatedClusterName, i.Notes), ignored, contested);
    }

    /// <summary>What IstioRemoteSecretInfo.Problems lists, in this order.</summary>
    internal static IReadOnlyList<string> ProblemsOf(IReadOnlyList<string> blocking, IReadOnlyList<string> ignored, IReadOnlyList<string> contested, string? expired) =>
        blocking.Concat(ignored).Concat(contested).Concat(expired is null ? Array.Empty<string>() : new[] { expired }).ToList();

    public override string ToString() => Info.ToString();
}
