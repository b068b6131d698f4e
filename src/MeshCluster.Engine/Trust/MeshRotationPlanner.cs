using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>What one cluster's cacerts gets in the phase asked for.</summary>
internal sealed record ClusterRotationStep(
    ClusterRotationState State,
    bool Changes,
    byte[]? RootCert,
    bool NewIntermediate,
    ReusableIntermediate? Reuse,
    MeshRotationRecord Record,
    string? OldRoot,
    DateTimeOffset? ChangedAt,
    string Description);

/// <summary>An intermediate of the new root already in the cluster's folder (a call stopped after writing it): used again, no new key.</summary>
internal sealed record ReusableIntermediate(string Folder, CacertsMaterial Material);

/// <summary>
/// The phases' rules, for every cluster at once: either a step per cluster, or every reason the phase cannot run yet (each naming its
/// cluster and what to do). Nothing here sends a request: the clusters were read before, and are changed after, only when none refuses.
/// </summary>
internal static class MeshRotationPlanner
{
    /// <summary>SECRET_TTL, the workload certificate lifetime the agent asks istiod for (pilot/cmd/pilot-agent/options/options.go).</summary>
    public static readonly TimeSpan WorkloadCertificateLifetime = TimeSpan.FromHours(24);

    /// <summary>
    /// The margin on top: the kubelet's delay before a mounted Secret changes in istiod's pod (its sync period plus the Secret cache,
    /// a minute or two), istiod's reload, the agents' retries, and clock skew between this machine (which records the time) and the
    /// clusters (which stamp the certificates). An hour covers all of them many times over and costs little against a day.
    /// </summary>
    public static readonly TimeSpan SoakMargin = TimeSpan.FromHours(1);

    public static TimeSpan DefaultSoak => WorkloadCertificateLifetime + SoakMargin;

    public static (IReadOnlyList<ClusterRotationStep> Steps, IReadOnlyList<MeshClusterException> Refusals, DateTimeOffset? NextPhaseNotBefore) Plan(
        IReadOnlyList<ClusterRotationState> clusters, IstioCertificateAuthority newRoot, MeshTrustPhase phase, string? folder, TimeSpan soak, bool force,
        DateTimeOffset now)
    {
        var n = newRoot.Thumbprint;
        var refusals = new List<MeshClusterException>();
        var steps = new List<ClusterRotationStep>();
        string? Others(ClusterRotationState s) => Join(s.Bundle.Thumbprints.Where(t => t != n));
        DateTimeOffset? Recorded(ClusterRotationState s) => s.Record.NewRoot == n && s.Record.Phase == phase ? s.Record.PhaseAt : null;
        string? RecordedOld(ClusterRotationState s) => s.Record.NewRoot == n && s.Record.OldRoot is not null ? s.Record.OldRoot : Others(s);

        switch (phase)
        {
            case MeshTrustPhase.TrustBoth:
                foreach (var s in clusters)
                {
                    if (s.Bundle.Contains(n))
                    {
                        steps.Add(new(s, false, null, false, null, s.Record, RecordedOld(s), Recorded(s), $"root-cert.pem already trusts root {n}"));
                        continue;
                    }

                    var third = s.Bundle.Thumbprints.Where(t => t != s.SigningRoot).ToList();
                    if (third.Count > 0 && !force)
                    {
                        refusals.Add(new MeshClusterException(ErrorIds.MeshTrustOtherRotation, ErrorCategory.InvalidOperation,
                            $"root-cert.pem of context '{s.Context}' also trusts root(s) {string.Join(", ", third)}, besides {s.SigningRoot} it signs with: another rotation is under way. " +
                            "Finish it first (-Phase RetireOld with its new root), or add -Force to add a third root." + NothingChanged, s.Target));
                    }

                    if (!force) refusals.AddRange(s.IstiodProblems);
                    var old = Others(s);
                    var record = new MeshRotationRecord(MeshTrustPhase.TrustBoth, n, old, now,
                        s.Record.SigningRoot == s.SigningRoot ? s.Record.SigningRoot : null, s.Record.SigningRoot == s.SigningRoot ? s.Record.SigningSince : null);
                    steps.Add(new(s, true, s.Bundle.Appending(newRoot.Certificate), false, null, record, old, now,
                        $"Add root {n} to root-cert.pem (then trusted: {old}, {n}); the intermediate, its key and cert-chain.pem stay"));
                }

                return (steps, refusals, Latest(steps.Select(s => s.ChangedAt)) ?? now);

            case MeshTrustPhase.SignWithNew:
                foreach (var s in clusters)
                {
                    if (!s.Bundle.Contains(n))
                    {
                        refusals.Add(OutOfOrder(s, $"root-cert.pem of context '{s.Context}' does not trust root {n} yet", "TrustBoth"));
                        continue;
                    }

                    var old = Others(s);
                    if (s.SigningRoot == n)
                    {
                        // Signing under the new root already; only the time it began may be missing (set by hand): recorded now, the later side.
                        var known = s.Record.SigningRoot == n && s.Record.SigningSince is not null;
                        steps.Add(known
                            ? new(s, false, null, false, null, s.Record, RecordedOld(s), Recorded(s), $"cacerts already signs under root {n}")
                            : new(s, true, null, false, null, new MeshRotationRecord(MeshTrustPhase.SignWithNew, n, old, now, n, now), old, now,
                                $"Record that cacerts signs under root {n} from now (-MinimumSoak counts from here); its material stays"));
                        continue;
                    }

                    try
                    {
                        Naming.ClusterNameRule.Validate(s.ClusterName ?? s.Context);
                    }
                    catch (MeshClusterException ex)
                    {
                        refusals.Add(ex);
                        continue;
                    }

                    ReusableIntermediate? reuse = null;
                    if (folder is not null)
                    {
                        var clusterFolder = ClusterCertificateStore.Folder(folder, s.ClusterName ?? s.Context);
                        reuse = Reusable(clusterFolder, s, n);
                        if (reuse is null)
                        {
                            try
                            {
                                ClusterCertificateStore.CheckWritable(clusterFolder, force);
                            }
                            catch (MeshClusterException ex)
                            {
                                refusals.Add(ex);
                            }
                        }
                    }

                    steps.Add(new(s, true, null, true, reuse, new MeshRotationRecord(MeshTrustPhase.SignWithNew, n, old, now, n, now), old, now,
                        (reuse is null ? $"Sign with a new intermediate CA of root {n}" : $"Sign with the intermediate CA of root {n} in {reuse.Folder}") +
                        $" (cert-chain.pem = it + root {n}); root-cert.pem still trusts {old}, {n}"));
                }

                var since = steps.Select(s => s.Record.SigningRoot == n ? s.Record.SigningSince : null);
                return (steps, refusals, Latest(since) is { } last ? last + soak : null);

            default:
                DateTimeOffset? latest = null;
                foreach (var s in clusters)
                {
                    if (s.SigningRoot != n || !s.Bundle.Contains(n))
                    {
                        refusals.Add(OutOfOrder(s, $"cacerts of context '{s.Context}' signs under root {s.SigningRoot}, not {n}", "SignWithNew"));
                        continue;
                    }

                    if (s.Bundle.Roots.Count == 1)
                    {
                        steps.Add(new(s, false, null, false, null, s.Record, RecordedOld(s), Recorded(s), $"root-cert.pem already trusts root {n} alone"));
                        continue;
                    }

                    // Since when it signs under n: recorded by SignWithNew; or, on the way back, since before the rotation away from n began.
                    var from = s.Record.SigningRoot == n && s.Record.SigningSince is { } at ? at
                        : s.Record.OldRoot?.Split(", ").Contains(n) == true ? DateTimeOffset.MinValue
                        : (DateTimeOffset?)null;
                    if (from is null)
                    {
                        refusals.Add(new MeshClusterException(ErrorIds.MeshTrustSoakUnknown, ErrorCategory.InvalidOperation,
                            $"cacerts of context '{s.Context}' does not record since when it signs under root {n} (it was not switched by Update-IstioMeshTrust -Phase SignWithNew), " +
                            "so the module cannot tell whether workloads still hold certificates of the old chain." + NothingChanged, s.Target,
                            recommendedAction: "Run Update-IstioMeshTrust -Phase SignWithNew again to record the time, then RetireOld after -MinimumSoak."));
                        continue;
                    }

                    if (latest is null || from > latest) latest = from;
                    if (!force) refusals.AddRange(s.IstiodProblems);
                    var old = RecordedOld(s);
                    var record = s.Record with { Phase = MeshTrustPhase.RetireOld, NewRoot = n, OldRoot = old, PhaseAt = now };
                    steps.Add(new(s, true, s.Bundle.Only(n), false, null, record, old, now,
                        $"Make root {n} the only root of root-cert.pem (retiring {Join(s.Bundle.Thumbprints.Where(t => t != n))})"));
                }

                if (latest is { } last2 && last2 != DateTimeOffset.MinValue && now < last2 + soak)
                {
                    var due = last2 + soak;
                    foreach (var step in steps.Where(s => s.Changes))
                    {
                        refusals.Add(new MeshClusterException(ErrorIds.MeshTrustSoakNotOver, ErrorCategory.InvalidOperation,
                            $"RetireOld is not due for context '{step.State.Context}' before {MeshRotationRecord.Format(due)}: the last cluster began signing under root {n} at " +
                            $"{MeshRotationRecord.Format(last2)}, and workloads may hold certificates of the old chain for -MinimumSoak {soak} after it." + NothingChanged,
                            step.State.Target, recommendedAction: $"Run -Phase RetireOld again after {MeshRotationRecord.Format(due)}."));
                    }
                }

                return (steps, refusals, null);
        }
    }

    private const string NothingChanged = " Nothing was changed in any cluster.";

    /// <summary>The folder's four files, when they hold an intermediate of root <paramref name="n"/> for this cluster that istiod would accept.</summary>
    private static ReusableIntermediate? Reusable(string folder, ClusterRotationState s, string n)
    {
        if (!Directory.Exists(folder)) return null;
        try
        {
            var files = ClusterCertificateStore.Read(folder);
            var material = new CacertsMaterial(files.CaCert, files.CaKey, s.Material.RootCert, files.CertChain, folder);
            var validated = CacertsValidator.Validate(material, CertificateFactory.Now());
            return validated.RootThumbprint == n && validated.ClusterName == s.ClusterName ? new ReusableIntermediate(folder, material) : null;
        }
        catch (Exception ex) when (ex is MeshClusterException or TrustMaterialException)
        {
            return null;
        }
    }

    private static MeshClusterException OutOfOrder(ClusterRotationState s, string why, string first) =>
        new(ErrorIds.MeshTrustPhaseOutOfOrder, ErrorCategory.InvalidOperation,
            $"{why}: run -Phase {first} on every cluster first (every cluster finishes a phase before any starts the next)." + NothingChanged, s.Target,
            recommendedAction: $"Update-IstioMeshTrust -Phase {first} with the same -Context and -CertificateAuthority.");

    private static DateTimeOffset? Latest(IEnumerable<DateTimeOffset?> times) => times.OfType<DateTimeOffset>().ToList() is { Count: > 0 } l ? l.Max() : null;

    private static string? Join(IEnumerable<string> thumbprints) => thumbprints.ToList() is { Count: > 0 } l ? string.Join(", ", l) : null;
}
