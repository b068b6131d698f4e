using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Trust;

/// <summary>New-IstioClusterCertificate: the Makefile's <c>make &lt;cluster&gt;-cacerts</c>, natively, for one cluster or several.</summary>
public static class ClusterCertificateMaker
{
    public const string Activity = "Making the clusters' intermediate CAs";

    /// <param name="shouldProcess">Asked per cluster before its files are written (only with a folder).</param>
    /// <param name="emit">Gets each cluster's certificate as soon as it is made.</param>
    public static async Task CreateAsync(IstioCertificateAuthority root, ClusterCertificateRequest request, Func<string, string, Task<bool>> shouldProcess,
        Action<IstioClusterCertificate> emit, IOperationReporter reporter, CancellationToken ct)
    {
        // Every check before the first key: a bad name or an existing folder must cost no seconds and write nothing.
        var names = request.ClusterNames.Distinct(StringComparer.Ordinal).ToList();
        foreach (var name in names) ClusterNameRule.Validate(name);
        var algorithm = request.KeyAlgorithm ?? root.KeyAlgorithm;
        var size = CertificateKeys.Size(algorithm, request.KeySize);
        CertificateAuthorityMaker.RequireValidity(request.ValidFor);
        CertificateAuthorityStore.Require(root.Certificate, root.PrivateKey, root, CertificateFactory.Now());
        if (request.Folder is { } parent)
        {
            foreach (var name in names) ClusterCertificateStore.CheckWritable(ClusterCertificateStore.Folder(parent, name), request.Force);
        }

        var described = CertificateKeys.Describe(algorithm, size);
        try
        {
            for (var i = 0; i < names.Count; i++)
            {
                // Ctrl+C between clusters ends the loop; one in the middle of a key ends the wait for it.
                ct.ThrowIfCancellationRequested();
                var name = names[i];
                var folder = request.Folder is null ? null : ClusterCertificateStore.Folder(request.Folder, name);
                if (folder is not null && !await shouldProcess(folder,
                        $"Write the intermediate CA of cluster '{name}' (ca-cert.pem, ca-key.pem, root-cert.pem, cert-chain.pem), signed by '{root.Subject}'" +
                        (request.Force ? " (replacing what is there)" : string.Empty)).ConfigureAwait(false))
                {
                    continue;
                }

                var percent = i * 100 / names.Count;
                reporter.Progress(Activity, $"Cluster '{name}' ({i + 1} of {names.Count}): generating its {described} key", percent);
                reporter.Verbose($"Generating an {described} key for the intermediate CA of cluster '{name}'.");
                var started = DateTime.UtcNow;
                var key = await CertificateKeys.CreateAsync(algorithm, size, ct).ConfigureAwait(false);
                reporter.Verbose($"Generated the {described} key of cluster '{name}' in {(DateTime.UtcNow - started).TotalSeconds:0.0} s.");

                reporter.Progress(Activity, $"Cluster '{name}' ({i + 1} of {names.Count}): signing with the root", percent + 90 / names.Count);
                var notBefore = CertificateFactory.Now();
                var notAfter = Earlier(notBefore + request.ValidFor, new DateTimeOffset(root.NotAfter, TimeSpan.Zero));
                // The Makefile gives root and intermediate 3650 days each, so the intermediate would outlive a root made moments
                // before by those moments: cut silently. A real shortening (a root near its end) is worth a warning.
                if (notAfter < notBefore + request.ValidFor - ShorteningWorthAWarning)
                {
                    reporter.Warning($"The intermediate CA of cluster '{name}' ends with its root on {CaCertificateRules.Format(notAfter.UtcDateTime)}, " +
                                     $"earlier than -ValidFor asks ({CaCertificateRules.Format((notBefore + request.ValidFor).UtcDateTime)}): no certificate outlives its issuer.");
                }

                using var certificate = CertificateFactory.CreateIntermediate(name, root.Certificate, root.PrivateKey, key, notBefore, notAfter);
                var made = new IstioClusterCertificate(name, certificate, key, root.Certificate, folder);
                if (folder is not null)
                {
                    ClusterCertificateStore.Write(folder, CacertsMaterial.From(made), request.Force);
                    reporter.Verbose($"Wrote ca-cert.pem, ca-key.pem (owner only), root-cert.pem and cert-chain.pem to {folder}.");
                }

                reporter.Verbose($"Made the intermediate CA '{made.Subject}' of cluster '{name}', SHA-256 {made.Thumbprint}, valid until {CaCertificateRules.Format(made.NotAfter)}.");
                emit(made);
            }
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }
    }

    private static readonly TimeSpan ShorteningWorthAWarning = TimeSpan.FromDays(1);

    private static DateTimeOffset Earlier(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
