using System.Security.Cryptography.X509Certificates;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Trust;

/// <summary>One cluster's cacerts as read, before the clusters are compared.</summary>
public sealed record ClusterTrustReading(
    string Context,
    string Namespace,
    ClusterTrustState State,
    string? ClusterName,
    X509Certificate2? Root,
    X509Certificate2? Intermediate,
    string? Problem,
    IReadOnlyList<string>? Notes = null,
    IReadOnlyList<string>? TrustedRoots = null,
    MeshTrustPhase? RotationPhase = null)
{
    public string? RootThumbprint => Root?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256);
}

/// <summary>Test-IstioMeshTrust: reads every cluster's cacerts, checks each as istiod would, and says whether all share one root.</summary>
public static class MeshTrustInspector
{
    /// <summary>Reads one cluster. A missing cacerts (istiod's self-signed CA) and unusable material are states, not errors.</summary>
    public static async Task<ClusterTrustReading> ReadAsync(KubeConnection connection, string ns, IOperationReporter reporter, CancellationToken ct)
    {
        KubeNameRule.RequireNamespace(ns, "-Namespace");
        var secret = await KubeApi.TryReadSecretAsync(connection, ns, CacertsSecret.Name, ct).ConfigureAwait(false);
        if (secret is null)
        {
            reporter.Verbose($"Context '{connection.ContextName}': no Secret {ns}/{CacertsSecret.Name}; istiod signs with its own self-signed root.");
            return new ClusterTrustReading(connection.ContextName, ns, ClusterTrustState.NoCacerts, null, null, null,
                "No cacerts: istiod signs with its own self-signed root, which no other cluster trusts.");
        }

        var source = $"Secret {ns}/{CacertsSecret.Name} of context '{connection.ContextName}'";
        var material = CacertsSecret.MaterialOf(secret, source);
        if (material is null)
        {
            return new ClusterTrustReading(connection.ContextName, ns, ClusterTrustState.Invalid, null, null, null,
                "cacerts holds neither ca-cert.pem nor tls.crt.");
        }

        try
        {
            var validated = CacertsValidator.Validate(material, CertificateFactory.Now());
            reporter.Verbose($"Context '{connection.ContextName}': intermediate {validated.Thumbprint} verifies to root {validated.RootThumbprint}.");
            var notAfter = validated.Intermediate.NotAfter.ToUniversalTime();
            if (notAfter - CertificateFactory.Now().UtcDateTime < IntermediateExpiryWarning)
            {
                // Istio never renews plug-in certificates: a new intermediate under the same root (New-/Publish-IstioClusterCertificate -Force), reloaded by istiod 1.19+.
                reporter.Warning($"The intermediate CA of context '{connection.ContextName}' expires on {CaCertificateRules.Format(notAfter)}: make a new one under the same root " +
                                 "(New-IstioClusterCertificate, then Publish-IstioClusterCertificate -Force; istiod 1.19 and later reload it by themselves).");
            }

            var trusted = validated.Roots.Select(r => r.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)).ToList();
            return new ClusterTrustReading(connection.ContextName, ns, ClusterTrustState.Cacerts, validated.ClusterName, validated.Root, validated.Intermediate, null,
                validated.Warnings, trusted, MeshRotationRecord.Read(secret.Metadata?.Annotations).Phase);
        }
        catch (TrustMaterialException ex)
        {
            // Show what can be read anyway: it helps to see which root a broken Secret meant.
            var intermediate = TryFirst(material.CaCert);
            var root = TryFirst(material.RootCert);
            return new ClusterTrustReading(connection.ContextName, ns, ClusterTrustState.Invalid,
                intermediate is null ? null : ValidatedCacerts.Locality(intermediate), root, intermediate, ex.Message + ".");
        }
    }

    /// <summary>The report: one object per cluster, SharesOneRoot true on all of them only when every cluster has sound cacerts of one root.</summary>
    public static IReadOnlyList<IstioMeshTrustStatus> Compare(IReadOnlyList<ClusterTrustReading> readings)
    {
        var roots = readings.Where(r => r.State == ClusterTrustState.Cacerts).Select(r => r.RootThumbprint!).Distinct(StringComparer.Ordinal).ToList();
        var oneRoot = readings.Count > 0 && readings.All(r => r.State == ClusterTrustState.Cacerts) && roots.Count == 1;
        // During a root rotation the clusters sign under different roots; mTLS holds while each trusts every other's signing root.
        var mutual = readings.Count > 0 && readings.All(r => r.State == ClusterTrustState.Cacerts) &&
                     readings.All(a => readings.All(b => b.TrustedRoots?.Contains(a.RootThumbprint!, StringComparer.Ordinal) == true));
        return readings.Select(r => new IstioMeshTrustStatus(r.Context, r.Namespace, r.State, r.ClusterName,
            r.Root is null ? null : r.Root.SubjectName.Decode(X500DistinguishedNameFlags.None), r.RootThumbprint, r.Root?.NotAfter.ToUniversalTime(),
            r.Intermediate is null ? null : r.Intermediate.SubjectName.Decode(X500DistinguishedNameFlags.None),
            r.Intermediate?.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256), r.Intermediate?.NotAfter.ToUniversalTime(),
            oneRoot, r.Problem ?? (mutual ? null : OtherRoots(r, readings)), r.Notes, r.TrustedRoots, r.RotationPhase, mutual)).ToList();
    }

    /// <summary>An intermediate this close to its end gets a warning.</summary>
    public static readonly TimeSpan IntermediateExpiryWarning = TimeSpan.FromDays(30);

    private static string? OtherRoots(ClusterTrustReading reading, IReadOnlyList<ClusterTrustReading> all)
    {
        var others = all.Where(o => o.State == ClusterTrustState.Cacerts && o.RootThumbprint != reading.RootThumbprint).ToList();
        var unsound = all.Where(o => o.State != ClusterTrustState.Cacerts).Select(o => $"'{o.Context}'").ToList();
        var parts = new List<string>();
        if (others.Count > 0) parts.Add("other clusters chain to another root: " + string.Join(", ", others.Select(o => $"'{o.Context}' ({o.RootThumbprint})")));
        if (unsound.Count > 0) parts.Add($"{string.Join(", ", unsound)} {(unsound.Count == 1 ? "has" : "have")} no sound cacerts");
        return parts.Count == 0 ? null : char.ToUpperInvariant(parts[0][0]) + string.Join("; ", parts)[1..] + ".";
    }

    private static X509Certificate2? TryFirst(string pem)
    {
        try
        {
            return TrustPem.ReadCertificates(pem, "cacerts")[0];
        }
        catch (TrustMaterialException)
        {
            return null;
        }
    }
}
