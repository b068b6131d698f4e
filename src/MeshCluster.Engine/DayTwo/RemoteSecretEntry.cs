using k8s.Models;

namespace MeshCluster.Engine.DayTwo;

/// <summary>A remote secret of a primary, parsed once: what Get-IstioRemoteSecret shows and what the other day-two commands act on.</summary>
public sealed class RemoteSecretEntry
{
    internal RemoteSecretEntry(V1Secret secret, IstioRemoteSecretInfo info, RemoteCredentials? credentials, JwtClaims? claims,
        IReadOnlyList<string> blocking, IReadOnlyList<string> notes)
    {
        Uid = secret.Metadata?.Uid;
        DataKeys = (secret.Data?.Keys ?? Enumerable.Empty<string>()).OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Info = info;
        Credentials = credentials;
        Claims = claims;
        Blocking = blocking;
        Notes = notes;
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

    /// <summary>Problems istiod lives with (several data keys).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when there is a server and a bearer token to test and no blocking problem.</summary>
    public bool HasUsableToken => Credentials?.Token is not null && Blocking.Count == 0;

    public override string ToString() => Info.ToString();
}
