using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Verifies an API server's certificate as kubectl does: it chains to the kubeconfig's CA (or, without
/// one, to the system's roots) and it is issued for the server's host, or for tls-server-name when the
/// kubeconfig sets one (a DNS name, or an IP address SAN for an IP). KubernetesClient's own check skips
/// the name whenever the kubeconfig carries a CA, which would send the token to any server that CA signed.
/// </summary>
public sealed class TlsVerifier
{
    private readonly X509Certificate2Collection? _authorities;
    private string? _lastFailure;

    /// <param name="authorities">The kubeconfig's certificate authorities; null: the system's trusted roots.</param>
    /// <param name="expectedName">The server's host, or tls-server-name.</param>
    public TlsVerifier(X509Certificate2Collection? authorities, string expectedName)
    {
        _authorities = authorities is { Count: > 0 } ? authorities : null;
        ExpectedName = expectedName.Trim('[', ']');
    }

    /// <summary>The name the certificate must carry.</summary>
    public string ExpectedName { get; }

    /// <summary>Why the last certificate was refused, in words for an error message; null when none was.</summary>
    public string? LastFailure => Volatile.Read(ref _lastFailure);

    /// <summary>For SslClientAuthenticationOptions.RemoteCertificateValidationCallback.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var failure = Check(certificate is null ? null : certificate as X509Certificate2 ?? new X509Certificate2(certificate), chain, errors);
        Volatile.Write(ref _lastFailure, failure);
        return failure is null;
    }

    /// <summary>Null when the certificate is good, else the reason.</summary>
    internal string? Check(X509Certificate2? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null) return "the server presented no certificate";

        // The name first: a certificate for another host is refused whoever signed it (Go's crypto/tls
        // no longer falls back to the subject's CN, and neither does this).
        if (!certificate.MatchesHostname(ExpectedName, allowWildcards: true, allowCommonName: false))
        {
            var names = SubjectAlternativeNames(certificate);
            return $"the server's certificate is valid for {(names.Count == 0 ? "no names" : string.Join(", ", names))}, not {ExpectedName}";
        }

        if (_authorities is null)
        {
            return (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0 ? null : "the server's certificate is not signed by a trusted authority";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            // Intermediates the server sent along.
            foreach (var element in presented.ChainElements.Skip(1)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        }

        if (chain.Build(certificate)) return null;
        var status = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToArray();
        return status.Contains(X509ChainStatusFlags.NotTimeValid)
            ? "the server's certificate (or its issuer) has expired or is not yet valid"
            : "the server's certificate is not signed by the kubeconfig's certificate authority";
    }

    private static IReadOnlyList<string> SubjectAlternativeNames(X509Certificate2 certificate)
    {
        var san = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().FirstOrDefault();
        return san is null
            ? Array.Empty<string>()
            : san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())).ToArray();
    }
}
