using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// Publish-IstioClusterCertificate: <c>kubectl create namespace istio-system; kubectl create secret generic cacerts -n istio-system --from-file=...</c>,
/// after proving the material sound, never silently replacing a cacerts of another root, and sending nothing when it is already there.
/// </summary>
public static class CacertsPublisher
{
    public const string Activity = "Publishing the cluster's CA certificates";

    /// <param name="clusterName">The cluster's name in the mesh where the intermediate has no L= (the Makefile always writes one).</param>
    /// <param name="shouldProcess">Asked once, before the first change: (target, action).</param>
    /// <returns>Null when <paramref name="shouldProcess"/> declined.</returns>
    /// <remarks>
    /// Every check and read that can fail runs before the first write (issue 20, point 8): once the Secret is written, the command
    /// ends with its result; what it learnt of istiod beforehand becomes warnings, and no request is made after the write.
    /// </remarks>
    public static async Task<IstioClusterCertificatePublication?> PublishAsync(KubeConnection connection, CacertsMaterial material, string? clusterName,
        string @namespace, bool force, Func<string, string, Task<bool>> shouldProcess, IOperationReporter reporter, CancellationToken ct)
    {
        KubeNameRule.RequireNamespace(@namespace, "-Namespace");
        try
        {
            // Proven sound before the first request: material istiod would refuse never reaches a cluster.
            reporter.Progress(Activity, $"Checking {material.Source}", 10);
            ValidatedCacerts validated;
            try
            {
                validated = CacertsValidator.Validate(material, CertificateFactory.Now());
            }
            catch (TrustMaterialException ex)
            {
                throw new MeshClusterException(ex.ErrorId ?? ErrorIds.ClusterCertificateInvalid, ErrorCategory.InvalidData,
                    $"{Printable.Quote(material.Source)} cannot be istiod's CA: {ex.Message}. Nothing was written.", target: material.Source);
            }

            foreach (var warning in validated.Warnings) reporter.Warning($"{Printable.Quote(material.Source)}: {warning}");
            var cluster = validated.ClusterName ?? clusterName ?? connection.ContextName;
            reporter.Verbose($"The intermediate CA '{validated.Intermediate.SubjectName.Decode(System.Security.Cryptography.X509Certificates.X500DistinguishedNameFlags.None)}' " +
                             $"verifies to root {validated.RootThumbprint} ({validated.Chain.Count} certificates from it to the root); its key matches; " +
                             $"it expires {CaCertificateRules.Format(validated.Intermediate.NotAfter.ToUniversalTime())}.");

            reporter.Progress(Activity, $"Reading Secret {@namespace}/{CacertsSecret.Name} in '{connection.ContextName}'", 30);
            var ns = await KubeApi.TryGetAsync(connection, $"reading Namespace {@namespace}",
                c => c.Client.CoreV1.ReadNamespaceAsync(@namespace, cancellationToken: c.Token), ct).ConfigureAwait(false);
            var existing = ns is null ? null : await KubeApi.TryReadSecretAsync(connection, @namespace, CacertsSecret.Name, ct).ConfigureAwait(false);

            IstioClusterCertificatePublication Result(ClusterCertificateAction action, string? resourceVersion, string? previousRoot, bool namespaceCreated) =>
                new(connection.ContextName, cluster, @namespace, CacertsSecret.Name, validated.Thumbprint, validated.RootThumbprint, previousRoot,
                    validated.Intermediate.NotAfter.ToUniversalTime(), action, resourceVersion, namespaceCreated);

            if (existing is not null && CacertsSecret.Holds(existing, material))
            {
                reporter.Verbose($"Secret {@namespace}/{CacertsSecret.Name} in context '{connection.ContextName}' already holds this material.");
                return Result(ClusterCertificateAction.Unchanged, existing.Metadata.ResourceVersion, null, false);
            }

            var action = ClusterCertificateAction.Created;
            string? previousRoot = null;
            string? anotherCluster = null;
            var recreate = false;
            if (existing is not null)
            {
                var roots = CacertsSecret.RootThumbprints(existing);
                var sameRoot = roots.Contains(validated.RootThumbprint, StringComparer.Ordinal);
                previousRoot = sameRoot ? null : roots.Count > 0 ? roots[0] : "(none readable)";
                if (!sameRoot && !force) throw Conflict(connection, @namespace, previousRoot!, validated.RootThumbprint);
                // A Secret's type never changes (the API server refuses it: "field is immutable"): one of another type (kubernetes.io/tls,
                // cert-manager's form) can only be replaced by a new object, and only on purpose.
                recreate = !CacertsSecret.IsOpaque(existing);
                if (recreate && !force) throw TypeConflict(connection, @namespace, existing.Type!);
                action = sameRoot ? ClusterCertificateAction.Updated : ClusterCertificateAction.Replaced;
                anotherCluster = AnotherCluster(existing, validated, connection, @namespace);
            }

            // What istiod will make of the change is read now, before the write: a failure here changes nothing, and after the write
            // nothing is left that could fail. No namespace, no istiod.
            var istiods = ns is null ? IstiodCacertsAdvice.IstiodsSeen.None : await IstiodCacertsAdvice.ReadAsync(connection, @namespace, reporter, ct).ConfigureAwait(false);

            var target = $"Secret {@namespace}/{CacertsSecret.Name} in context '{connection.ContextName}'";
            var what = action switch
            {
                ClusterCertificateAction.Created => "Create",
                ClusterCertificateAction.Updated => "Replace the intermediate CA (same root) in",
                _ => $"Replace the mesh root {previousRoot} with {validated.RootThumbprint} (-Force) in",
            };
            var how = recreate ? $" by deleting it and creating it anew as type Opaque (its type {Printable.Quote(existing!.Type)} cannot change in place; -Force)" : string.Empty;
            if (!await shouldProcess(target, $"{what} the plug-in CA certificates of cluster '{cluster}' (intermediate {validated.Thumbprint}){how}" +
                                             (ns is null ? $", creating namespace {@namespace}" : string.Empty)).ConfigureAwait(false))
            {
                return null;
            }

            if (ns is null)
            {
                reporter.Verbose($"Creating Namespace '{@namespace}' in context '{connection.ContextName}' (the trust step comes before the install).");
                await KubeApi.CreateOrExistingAsync(connection, $"creating Namespace {@namespace}",
                    c => c.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = @namespace } }, cancellationToken: c.Token), ct).ConfigureAwait(false);
            }

            reporter.Progress(Activity, $"Writing Secret {@namespace}/{CacertsSecret.Name} in '{connection.ContextName}'", 70);
            var written = recreate
                ? await RecreateAsync(connection, @namespace, material, existing!, reporter, ct).ConfigureAwait(false)
                : await WriteAsync(connection, @namespace, material, existing, ct).ConfigureAwait(false);
            reporter.Verbose($"{(existing is null ? "Created" : recreate ? "Deleted and created anew" : "Replaced")} Secret {@namespace}/{CacertsSecret.Name} in context '{connection.ContextName}'.");

            // Only now that the write succeeded: warnings about what it did.
            if (anotherCluster is not null) reporter.Warning(anotherCluster);
            IstiodCacertsAdvice.Advise(istiods, connection, @namespace, ChangeOf(existing, material), reporter);
            return Result(action, written.Metadata?.ResourceVersion, previousRoot, ns is null);
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }
    }

    /// <summary>Creates, or replaces on the resourceVersion read (a change made meanwhile by someone else fails rather than being overwritten).</summary>
    private static Task<V1Secret> WriteAsync(KubeConnection connection, string ns, CacertsMaterial material, V1Secret? existing, CancellationToken ct)
    {
        var desired = CacertsSecret.Desired(ns, material);
        if (existing is null)
        {
            return KubeApi.CallAsync(connection, $"creating Secret {ns}/{CacertsSecret.Name}",
                c => c.Client.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: c.Token), ct);
        }

        // Its labels and annotations stay; its data becomes exactly the four files.
        desired.Metadata.Labels = existing.Metadata.Labels;
        desired.Metadata.Annotations = existing.Metadata.Annotations;
        desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
        return KubeApi.CallAsync(connection, $"replacing Secret {ns}/{CacertsSecret.Name}",
            c => c.Client.CoreV1.ReplaceNamespacedSecretAsync(desired, CacertsSecret.Name, ns, cancellationToken: c.Token), ct);
    }

    /// <summary>
    /// A cacerts of another type replaced as a new object: deleted on the uid and resourceVersion read (a change made meanwhile fails the
    /// delete and nothing changes), then created as type Opaque. When the create fails, the old Secret is created again as it was (same
    /// type, labels, annotations and data; a new uid), so the cluster is never left without cacerts by this command.
    /// </summary>
    private static async Task<V1Secret> RecreateAsync(KubeConnection connection, string ns, CacertsMaterial material, V1Secret existing, IOperationReporter reporter,
        CancellationToken ct)
    {
        var desired = CacertsSecret.Desired(ns, material);
        desired.Metadata.Labels = existing.Metadata.Labels;
        desired.Metadata.Annotations = existing.Metadata.Annotations;
        reporter.Verbose($"Secret {ns}/{CacertsSecret.Name} in context '{connection.ContextName}' is of type {Printable.Quote(existing.Type)}, which Kubernetes never changes: " +
                         "deleting it (on its uid and resourceVersion) and creating it anew as type Opaque; if the create fails, the old one is put back.");
        await KubeApi.CallAsync(connection, $"deleting Secret {ns}/{CacertsSecret.Name} of type {Printable.Quote(existing.Type)}",
            c => c.Client.CoreV1.DeleteNamespacedSecretAsync(CacertsSecret.Name, ns,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = existing.Metadata.Uid, ResourceVersion = existing.Metadata.ResourceVersion } },
                cancellationToken: c.Token), ct).ConfigureAwait(false);
        try
        {
            return await KubeApi.CallAsync(connection, $"creating Secret {ns}/{CacertsSecret.Name}",
                c => c.Client.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: c.Token), ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is MeshClusterException or OperationCanceledException)
        {
            var old = new V1Secret
            {
                ApiVersion = "v1",
                Kind = "Secret",
                Type = existing.Type,
                Metadata = new V1ObjectMeta { Name = CacertsSecret.Name, NamespaceProperty = ns, Labels = existing.Metadata.Labels, Annotations = existing.Metadata.Annotations },
                Data = existing.Data,
            };
            // Not on the command's token: a Ctrl+C between the delete and the create must not leave the cluster without cacerts.
            string putBack;
            try
            {
                await KubeApi.CallAsync(connection, $"creating Secret {ns}/{CacertsSecret.Name} again as it was",
                    c => c.Client.CoreV1.CreateNamespacedSecretAsync(old, ns, cancellationToken: c.Token), CancellationToken.None).ConfigureAwait(false);
                putBack = "The old Secret was created again as it was (a new uid): nothing else changed.";
            }
            catch (MeshClusterException restore)
            {
                putBack = $"Putting the old Secret back failed too ({restore.Message.TrimEnd('.')}): check Secret {ns}/{CacertsSecret.Name} and publish again.";
            }

            if (ex is OperationCanceledException) throw;
            var failed = (MeshClusterException)ex;
            throw new MeshClusterException(failed.ErrorId, failed.Category,
                $"{failed.Message.TrimEnd('.')}. Secret {ns}/{CacertsSecret.Name} had been deleted first (its type cannot change). {putBack}",
                target: $"{connection.ContextName}:{ns}/{CacertsSecret.Name}", inner: failed)
            {
                StatusCode = failed.StatusCode,
            };
        }
    }

    /// <summary>How the Secret changes under a running istiod: what istiod compares (root-cert.pem byte for byte, pilot/pkg/bootstrap/istio_ca.go handleEvent).</summary>
    private static (CacertsChange Change, bool Nested) ChangeOf(V1Secret? existing, CacertsMaterial material)
    {
        // USE_CACERTS_FOR_SELF_SIGNED_CA: a cacerts istiod generated itself (key istio-generated) is its own CA, not plug-in certificates.
        if (existing?.Data is null || existing.Data.ContainsKey("istio-generated")) return (CacertsChange.FirstPlugIn, false);
        var before = CacertsSecret.RootBytes(existing);
        if (before is null) return (CacertsChange.FirstPlugIn, false);
        var after = System.Text.Encoding.UTF8.GetBytes(material.RootCert);
        if (before.AsSpan().SequenceEqual(after)) return (CacertsChange.Intermediate, false);
        return (CacertsChange.Root, before.AsSpan().IndexOf(after) >= 0 || after.AsSpan().IndexOf(before) >= 0);
    }

    /// <summary>
    /// Another cluster's intermediate in place of this one's is most often swapped contexts: the warning to give once the write succeeded
    /// (it is not refused); null when it is the same cluster's.
    /// </summary>
    private static string? AnotherCluster(V1Secret existing, ValidatedCacerts validated, KubeConnection connection, string ns)
    {
        var before = CacertsSecret.MaterialOf(existing, "cacerts") is { } old ? ClusterNameOf(old.CaCert) : null;
        return before is not null && validated.ClusterName is not null && before != validated.ClusterName
            ? $"Secret {ns}/{CacertsSecret.Name} in context '{connection.ContextName}' held the intermediate CA of cluster '{Printable.Quote(before)}'; " +
              $"it now holds cluster '{Printable.Quote(validated.ClusterName)}''s. Each cluster needs its own: check -Context."
            : null;
    }

    private static string? ClusterNameOf(string caCert)
    {
        try
        {
            return ValidatedCacerts.Locality(TrustPem.ReadCertificates(caCert, CacertsMaterial.CaCertKey)[0]);
        }
        catch (TrustMaterialException)
        {
            return null;
        }
    }

    private static MeshClusterException TypeConflict(KubeConnection connection, string ns, string type) =>
        new(ErrorIds.ClusterCertificateConflict, ErrorCategory.ResourceExists,
            $"Secret {ns}/{CacertsSecret.Name} in context '{connection.ContextName}' is of type {Printable.Quote(type)}, and Kubernetes never changes a Secret's type: " +
            "it cannot be replaced in place by the four files of type Opaque. Nothing was written.",
            target: $"{connection.ContextName}:{ns}/{CacertsSecret.Name}",
            recommendedAction: "Add -Force to delete it and create it anew (if cert-manager or istio-csr writes it, change it there instead: it would write it again).");

    private static MeshClusterException Conflict(KubeConnection connection, string ns, string existingRoot, string newRoot) =>
        new(ErrorIds.ClusterCertificateConflict, ErrorCategory.ResourceExists,
            $"Secret {ns}/{CacertsSecret.Name} in context '{connection.ContextName}' chains to root {existingRoot}, not to root {newRoot} of this certificate. " +
            "Replacing a mesh's root breaks mTLS between clusters until every cluster has the new one. Nothing was written.",
            target: $"{connection.ContextName}:{ns}/{CacertsSecret.Name}",
            recommendedAction: "Publish an intermediate of the existing root (Get-IstioCertificateAuthority), or add -Force to replace the root on purpose.");
}
