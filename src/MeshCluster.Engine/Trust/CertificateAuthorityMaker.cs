using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>New-IstioCertificateAuthority: the Makefile's <c>make root-ca</c>, natively.</summary>
public static class CertificateAuthorityMaker
{
    public const string Activity = "Making the mesh root CA";

    /// <param name="shouldProcess">Asked before files are written (only with a folder): (target, action).</param>
    /// <returns>Null when <paramref name="shouldProcess"/> declined.</returns>
    public static async Task<IstioCertificateAuthority?> CreateAsync(CertificateAuthorityRequest request, Func<string, string, Task<bool>> shouldProcess,
        IOperationReporter reporter, CancellationToken ct)
    {
        // Every check before the key: RSA 4096 takes seconds, and a bad argument must write nothing.
        var size = CertificateKeys.Size(request.KeyAlgorithm, request.KeySize);
        RequireValidity(request.ValidFor);
        if (request.Folder is { } folder)
        {
            CertificateAuthorityStore.CheckWritable(folder, request.Force);
            var (cert, key) = CertificateAuthorityStore.Files(folder);
            if (!await shouldProcess(folder, $"Write a new mesh root CA 'O={request.Organization}, CN={request.CommonName}' to {cert} and {key}" +
                                             (request.Force ? " (replacing what is there)" : string.Empty)).ConfigureAwait(false))
            {
                return null;
            }
        }

        try
        {
            var algorithm = CertificateKeys.Describe(request.KeyAlgorithm, size);
            reporter.Progress(Activity, $"Generating the root's {algorithm} key", 10);
            reporter.Verbose($"Generating an {algorithm} key for the root CA{(request.KeyAlgorithm == CertificateKeyAlgorithm.Rsa && size >= 4096 ? " (this takes a few seconds)" : string.Empty)}.");
            var started = DateTime.UtcNow;
            var rootKey = await CertificateKeys.CreateAsync(request.KeyAlgorithm, size, ct).ConfigureAwait(false);
            reporter.Verbose($"Generated the root's {algorithm} key in {(DateTime.UtcNow - started).TotalSeconds:0.0} s.");

            reporter.Progress(Activity, "Signing the root certificate", 80);
            var notBefore = CertificateFactory.Now();
            using var certificate = CertificateFactory.CreateRoot(request.Organization, request.CommonName, rootKey, notBefore, notBefore + request.ValidFor);
            if (request.Folder is { } target)
            {
                reporter.Progress(Activity, $"Writing {CertificateAuthorityStore.CertificateFile} and {CertificateAuthorityStore.KeyFile}", 90);
                CertificateAuthorityStore.Write(target, certificate, rootKey, request.Force);
                reporter.Verbose($"Wrote {Path.Combine(target, CertificateAuthorityStore.CertificateFile)} and {Path.Combine(target, CertificateAuthorityStore.KeyFile)} (the key readable by its owner only).");
            }

            var root = new IstioCertificateAuthority(certificate, rootKey, request.Folder);
            reporter.Verbose($"Made root CA '{root.Subject}', SHA-256 {root.Thumbprint}, valid until {CaCertificateRules.Format(root.NotAfter)}.");
            return root;
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }
    }

    /// <summary>The longest -ValidFor: 100 years, far beyond any root's use and far from X.509's last date.</summary>
    public static readonly TimeSpan MaxValidity = TimeSpan.FromDays(36500);

    /// <summary>-ValidFor must be a day or more (istiod signs workload certificates for 24 hours): CertificateValidityInvalid otherwise.</summary>
    public static void RequireValidity(TimeSpan validFor)
    {
        if (validFor > MaxValidity)
        {
            // X.509 ends at 9999-12-31; [TimeSpan]::MaxValue would overflow the date and end as UnexpectedError.
            throw new MeshClusterException(ErrorIds.CertificateValidityInvalid, ErrorCategory.InvalidArgument,
                $"-ValidFor {validFor} is too long: give at most {MaxValidity.TotalDays:0} days (Istio's Makefile uses 3650 days).", target: validFor);
        }

        if (validFor >= TimeSpan.FromDays(1)) return;
        throw new MeshClusterException(ErrorIds.CertificateValidityInvalid, ErrorCategory.InvalidArgument,
            $"-ValidFor {validFor} is too short: give at least one day (Istio's Makefile uses 3650 days).", target: validFor);
    }
}
