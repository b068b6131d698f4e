using System.Management.Automation;
using k8s;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;
using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>Which remote secrets of a primary a day-two command acts on.</summary>
/// <param name="ClusterNames">Cluster names, wildcards allowed; null or empty: all.</param>
/// <param name="SecretName">Only the Secret of this name (bound from Get-IstioRemoteSecret's output).</param>
/// <param name="AsIstiodSeesThem">Also read the primary's istiod (its own cluster name, the kubeconfig options it allows) and judge the Secrets against each other.</param>
public sealed record RemoteSecretSelection(string Namespace, IReadOnlyList<string>? ClusterNames = null, string? SecretName = null, bool AsIstiodSeesThem = false);

/// <summary>What a selection found, and the literal names that matched nothing (each a RemoteSecretNotFound).</summary>
public sealed record RemoteSecretMatches(IReadOnlyList<RemoteSecretEntry> Entries, IReadOnlyList<MeshClusterException> NotFound);

/// <summary>Lists the remote secrets istiod in a primary reads: Secrets labelled istio/multiCluster=true in its namespace.</summary>
public static class RemoteSecretReader
{
    public static async Task<RemoteSecretMatches> FindAsync(KubeConnection primary, RemoteSecretSelection selection, IOperationReporter reporter, CancellationToken ct)
    {
        RequirePatterns(selection.ClusterNames);
        var ns = selection.Namespace;
        KubeNameRule.RequireNamespace(ns, "-Namespace");
        if (selection.SecretName is not null) KubeNameRule.RequireName(selection.SecretName, "-SecretName");
        reporter.Verbose($"Listing the remote secrets (label {RemoteSecretNames.MultiClusterLabel}=true) in namespace '{ns}' of context '{primary.ContextName}'.");
        var listing = KubeApi.CallAsync(primary, $"listing remote secrets in namespace {ns}",
            c => c.Client.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: RemoteSecretNames.MultiClusterLabel + "=true", cancellationToken: c.Token), ct);
        var istiod = selection.AsIstiodSeesThem ? await IstiodDeploymentReader.ReadAsync(primary, ns, reporter, ct).ConfigureAwait(false) : null;
        var list = await listing.ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow;
        var allowance = KubeConfigAllowance.From(istiod);
        IReadOnlyList<RemoteSecretEntry> parsed = list.Items.SelectMany(s => RemoteSecretParser.ParseAll(s, primary.ContextName, now, allowance)).ToList();
        // Duplicates are judged among all the namespace's Secrets, before any selection narrows them.
        if (selection.AsIstiodSeesThem) parsed = RemoteSecretConflicts.Judge(parsed, istiod);
        var all = parsed
            .Where(e => selection.SecretName is null || string.Equals(e.Info.SecretName, selection.SecretName, StringComparison.Ordinal))
            .OrderBy(e => e.Info.ClusterName, StringComparer.Ordinal).ThenBy(e => e.Info.SecretName, StringComparer.Ordinal)
            .ToList();
        reporter.Debug($"{list.Items.Count} remote secret(s) in namespace '{ns}' of context '{primary.ContextName}'.");

        var names = selection.ClusterNames is { Count: > 0 } given ? given : null;
        if (names is null) return new RemoteSecretMatches(all, Array.Empty<MeshClusterException>());

        var patterns = names.Select(n => (Name: n, Pattern: WildcardPattern.Get(n, WildcardOptions.None))).ToList();
        var matches = all.Where(e => patterns.Any(p => p.Pattern.IsMatch(e.Info.ClusterName))).ToList();
        var notFound = patterns
            .Where(p => !WildcardPattern.ContainsWildcardCharacters(p.Name) && !matches.Any(e => p.Pattern.IsMatch(e.Info.ClusterName)))
            .Select(p => NotFound(primary, ns, p.Name, selection.SecretName))
            .ToList();
        return new RemoteSecretMatches(matches, notFound);
    }

    /// <summary>Each -ClusterName must parse as a wildcard pattern (checked before any request): ClusterNamePatternInvalid otherwise.</summary>
    public static void RequirePatterns(IReadOnlyList<string>? names)
    {
        foreach (var name in names ?? Array.Empty<string>())
        {
            try
            {
                // The pattern is parsed on its first match, not by Get.
                WildcardPattern.Get(name, WildcardOptions.None).IsMatch(string.Empty);
            }
            catch (WildcardPatternException ex)
            {
                throw new MeshClusterException(ErrorIds.ClusterNamePatternInvalid, ErrorCategory.InvalidArgument,
                    $"-ClusterName '{Printable.Quote(name)}' is no valid wildcard pattern ({ex.Message.TrimEnd('.')}).", target: name,
                    recommendedAction: "Close every '[' or escape it with a backtick; a name without wildcards is matched as it is.");
            }
        }
    }

    public static MeshClusterException NotFound(KubeConnection primary, string ns, string clusterName, string? secretName = null) =>
        new(ErrorIds.RemoteSecretNotFound, ErrorCategory.ObjectNotFound,
            $"No remote secret for cluster '{clusterName}'{(secretName is null ? string.Empty : $" named '{secretName}'")} in namespace '{ns}' of context '{primary.ContextName}'.",
            target: clusterName,
            recommendedAction: "Get-IstioRemoteSecret lists the remote secrets of a primary; -Namespace picks istiod's namespace when it is not istio-system.");
}
