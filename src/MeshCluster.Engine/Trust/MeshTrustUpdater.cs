using System.Management.Automation;
using System.Text;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Trust;

/// <summary>What Update-IstioMeshTrust was asked for. <see cref="Folder"/> is absolute (the cmdlet resolves it).</summary>
public sealed record MeshTrustUpdateRequest(
    IReadOnlyList<string> Contexts,
    string Namespace,
    IstioCertificateAuthority NewRoot,
    MeshTrustPhase Phase,
    string? Folder,
    TimeSpan MinimumSoak,
    bool Force);

/// <summary>
/// Update-IstioMeshTrust: one phase of a zero-downtime root rotation across clusters (the Istio maintainers' three phases, see
/// <see cref="MeshTrustPhase"/>). Every cluster is read and judged before any is changed; then each is changed on its own
/// (its own ShouldProcess, one replace on the resourceVersion read), so a call stopped half-way converges when run again.
/// </summary>
public static class MeshTrustUpdater
{
    public const string Activity = "Rotating the mesh root";

    /// <summary>The default -MinimumSoak: see <see cref="MeshRotationPlanner.SoakMargin"/>.</summary>
    public static TimeSpan DefaultSoak => MeshRotationPlanner.DefaultSoak;

    /// <param name="connect">A client for a context, for the engine's requests.</param>
    /// <param name="shouldProcess">Asked per cluster before it changes: (target, action).</param>
    /// <param name="emit">Each cluster's result, as it is done.</param>
    /// <param name="error">A cluster's refusal or failure (non-terminating: the others are still reported).</param>
    public static async Task UpdateAsync(MeshTrustUpdateRequest request, Func<string, CancellationToken, Task<KubeConnection>> connect,
        Func<string, string, Task<bool>> shouldProcess, Action<IstioMeshTrustUpdate> emit, Action<MeshClusterException> error, IOperationReporter reporter,
        CancellationToken ct)
    {
        // Before the first request: a root that cannot sign, or a negative soak, changes nothing anywhere.
        if (request.MinimumSoak < TimeSpan.Zero)
        {
            throw new MeshClusterException(ErrorIds.MeshTrustSoakInvalid, ErrorCategory.InvalidArgument,
                $"-MinimumSoak must be zero or more; it is {request.MinimumSoak}.", request.MinimumSoak, terminating: true);
        }

        var root = request.NewRoot;
        CertificateAuthorityStore.Require(root.Certificate, root.PrivateKey, root, CertificateFactory.Now());
        try
        {
            reporter.Progress(Activity, $"Reading cacerts in {request.Contexts.Count} context(s)", 0);
            var checkIstiod = request.Phase != MeshTrustPhase.SignWithNew;
            var reads = request.Contexts.Select(async context =>
            {
                try
                {
                    var connection = await connect(context, ct).ConfigureAwait(false);
                    return (ClusterRotationState?)await MeshRotationReader.ReadAsync(connection, request.Namespace, checkIstiod, reporter, ct).ConfigureAwait(false);
                }
                catch (MeshClusterException ex)
                {
                    error(ex);
                    return null;
                }
            }).ToList();
            var states = await Task.WhenAll(reads).ConfigureAwait(false);
            if (states.Any(s => s is null))
            {
                reporter.Verbose("Not every cluster could take part: nothing was changed in any cluster.");
                return;
            }

            var now = CertificateFactory.Now();
            var (steps, refusals, next) = MeshRotationPlanner.Plan(states.OfType<ClusterRotationState>().ToList(), root, request.Phase, request.Folder,
                request.MinimumSoak, request.Force, now);
            if (refusals.Count > 0)
            {
                foreach (var refusal in refusals) error(refusal);
                return;
            }

            for (var i = 0; i < steps.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var step = steps[i];
                reporter.Progress(Activity, $"Context '{step.State.Context}' ({i + 1} of {steps.Count}): {request.Phase}", 10 + 90 * i / steps.Count);
                try
                {
                    var result = await ApplyAsync(step, request, next, shouldProcess, reporter, ct).ConfigureAwait(false);
                    if (result is not null) emit(result);
                }
                catch (MeshClusterException ex)
                {
                    // This cluster's failure; the others still take the phase, and a second run converges.
                    error(ex);
                }
            }
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }
    }

    private static async Task<IstioMeshTrustUpdate?> ApplyAsync(ClusterRotationStep step, MeshTrustUpdateRequest request, DateTimeOffset? next,
        Func<string, string, Task<bool>> shouldProcess, IOperationReporter reporter, CancellationToken ct)
    {
        var s = step.State;
        var root = request.NewRoot;
        IstioMeshTrustUpdate Result(MeshTrustAction action, string intermediate, string? path, string? resourceVersion, DateTimeOffset? changedAt) =>
            new(s.Context, s.Namespace, s.ClusterName, request.Phase, step.OldRoot, root.Thumbprint, action, changedAt?.UtcDateTime, next?.UtcDateTime, intermediate, path,
                resourceVersion);

        if (!step.Changes)
        {
            reporter.Verbose($"Context '{s.Context}': {step.Description}; nothing to change.");
            return Result(MeshTrustAction.Unchanged, s.Validated.Thumbprint, null, s.Secret.Metadata?.ResourceVersion, step.ChangedAt);
        }

        var target = $"Secret {s.Namespace}/{CacertsSecret.Name} in context '{s.Context}'";
        if (!await shouldProcess(target, $"{request.Phase}: {step.Description}").ConfigureAwait(false)) return null;

        var data = new Dictionary<string, byte[]>(s.Secret.Data!, StringComparer.Ordinal);
        string? path = null;
        if (step.RootCert is { } bundle) data[CacertsMaterial.RootCertKey] = bundle;
        if (step.NewIntermediate)
        {
            var material = step.Reuse?.Material ?? await NewIntermediateAsync(s, request, reporter, ct).ConfigureAwait(false);
            path = step.Reuse?.Folder ?? (request.Folder is null ? null : ClusterCertificateStore.Folder(request.Folder, s.ClusterName ?? s.Context));
            data[CacertsMaterial.CaCertKey] = Encoding.UTF8.GetBytes(material.CaCert);
            data[CacertsMaterial.CaKeyKey] = Encoding.UTF8.GetBytes(material.CaKey);
            data[CacertsMaterial.CertChainKey] = Encoding.UTF8.GetBytes(material.CertChain);
        }

        // What istiod will load, proven sound before it is sent (the same check Publish-IstioClusterCertificate makes).
        string Text(string key) => Encoding.UTF8.GetString(data[key]);
        ValidatedCacerts validated;
        try
        {
            validated = CacertsValidator.Validate(new CacertsMaterial(Text(CacertsMaterial.CaCertKey), Text(CacertsMaterial.CaKeyKey), Text(CacertsMaterial.RootCertKey),
                Text(CacertsMaterial.CertChainKey), target), CertificateFactory.Now());
        }
        catch (TrustMaterialException ex)
        {
            throw new MeshClusterException(ex.ErrorId ?? ErrorIds.ClusterCertificateInvalid, ErrorCategory.InvalidData,
                $"The {request.Phase} material for {target} would not be istiod's CA: {ex.Message}. Nothing was written there.", s.Target);
        }

        var desired = new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Type = s.Secret.Type ?? "Opaque",
            Metadata = new V1ObjectMeta
            {
                Name = CacertsSecret.Name,
                NamespaceProperty = s.Namespace,
                Labels = s.Secret.Metadata?.Labels,
                Annotations = step.Record.Apply(s.Secret.Metadata?.Annotations),
                ResourceVersion = s.Secret.Metadata?.ResourceVersion,
            },
            Data = data,
        };

        reporter.Progress(Activity, $"Writing Secret {s.Namespace}/{CacertsSecret.Name} in '{s.Context}'", 80);
        // On the resourceVersion read: a change made meanwhile by someone else fails this cluster rather than being overwritten.
        var written = await KubeApi.CallAsync(s.Connection, $"replacing Secret {s.Namespace}/{CacertsSecret.Name}",
            c => c.Client.CoreV1.ReplaceNamespacedSecretAsync(desired, CacertsSecret.Name, s.Namespace, cancellationToken: c.Token), ct).ConfigureAwait(false);
        reporter.Verbose($"Context '{s.Context}': {step.Description}. cacerts now signs with intermediate {validated.Thumbprint} under root {validated.RootThumbprint}.");
        // Whether each running istiod takes the change by itself (by its version and settings), as Publish-IstioClusterCertificate tells it.
        if (step.RootCert is not null) await IstiodCacertsAdvice.ReadAndAdviseAsync(s.Connection, s.Namespace, (CacertsChange.Root, true), reporter, ct).ConfigureAwait(false);
        else if (step.NewIntermediate) await IstiodCacertsAdvice.ReadAndAdviseAsync(s.Connection, s.Namespace, (CacertsChange.Intermediate, false), reporter, ct).ConfigureAwait(false);
        return Result(MeshTrustAction.Updated, validated.Thumbprint, path, written.Metadata?.ResourceVersion, step.ChangedAt);
    }

    /// <summary>The cluster's new intermediate, as New-IstioClusterCertificate makes it (and writes it under -Path); cert-chain.pem = it + the new root.</summary>
    private static async Task<CacertsMaterial> NewIntermediateAsync(ClusterRotationState s, MeshTrustUpdateRequest request, IOperationReporter reporter, CancellationToken ct)
    {
        IstioClusterCertificate? made = null;
        var name = s.ClusterName ?? s.Context;
        await ClusterCertificateMaker.CreateAsync(request.NewRoot, new ClusterCertificateRequest(new[] { name }, request.Folder, CertificateFactory.DefaultValidity, null, null,
            request.Force), (_, _) => Task.FromResult(true), c => made = c, reporter, ct).ConfigureAwait(false);
        return CacertsMaterial.From(made!);
    }
}
