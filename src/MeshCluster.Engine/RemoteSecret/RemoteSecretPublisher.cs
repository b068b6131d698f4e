using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Istiod;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>What Publish-IstioRemoteSecret was asked to do.</summary>
public sealed record RemoteSecretRequest(
    string ClusterName,
    string Namespace,
    string ServiceAccount,
    string? Server = null,
    string? TlsServerName = null,
    bool CreateServiceAccount = false,
    bool SkipVerify = false,
    string? OutFile = null,
    TokenSecretMode TokenMode = TokenSecretMode.Auto)
{
    /// <summary>How long the token controller gets to fill a token secret (istioctl: 5 × 1 s; a busy controller needs more).</summary>
    public TimeSpan TokenTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>-RotateToken: a new token, then the previous one revoked (needs the primary).</summary>
    public bool RotateToken { get; init; }

    /// <summary>-TokenLifetime: a time-bound TokenRequest token instead of a token secret's.</summary>
    public TimeSpan? TokenLifetime { get; init; }

    /// <summary>-Force: publish a cluster name istiod would ignore (the primary's own, or one another Secret claims), with a warning.</summary>
    public bool Force { get; init; }
}

/// <summary>
/// Step 5 of Istio's Add a Remote Cluster guide, <c>istioctl x create-remote-secret --context=CTX_2 --name=CLUSTER_2 | kubectl apply -f - --context=CTX_1</c>:
/// the remote's reader token, as a kubeconfig in a labelled Secret of the primary (or a YAML file).
/// </summary>
public static class RemoteSecretPublisher
{
    public const string Activity = "Publishing the Istio remote secret";

    /// <summary>
    /// Every check of the request that needs no cluster: the cmdlet calls it before connecting anywhere, so a bad argument
    /// changes nothing (and <see cref="PublishAsync"/> starts with it, for any other caller).
    /// </summary>
    public static void Validate(RemoteSecretRequest request)
    {
        ClusterNameRule.Validate(request.ClusterName);
        KubeNameRule.RequireNamespace(request.Namespace, "-Namespace");
        KubeNameRule.RequireName(request.ServiceAccount, "-ServiceAccount");
        if (request.Server is not null) ValidateServer(request.Server, given: true);
        if (request.TokenLifetime is { } lifetime) TokenRequestSource.Validate(lifetime);
        // A file is applied later, by someone else: revoking now would leave the primary with a dead token until then.
        if (request.RotateToken && request.OutFile is not null) throw new ArgumentException("-RotateToken applies the Secret itself; it cannot write a file.", nameof(request));
        if (request.OutFile is { } outFile && Directory.Exists(outFile))
        {
            throw new MeshClusterException(ErrorIds.RemoteSecretFileFailed, ErrorCategory.InvalidArgument,
                $"-OutFile '{outFile}' is a folder; give a file path.", target: outFile);
        }
    }

    /// <param name="primary">Where the Secret goes; null only with an OutFile.</param>
    /// <param name="shouldProcess">Asked once, before the first change anywhere: (target, action).</param>
    /// <returns>Null when <paramref name="shouldProcess"/> declined.</returns>
    public static async Task<IstioRemoteSecret?> PublishAsync(KubeConnection remote, KubeConnection? primary, RemoteSecretRequest request,
        Func<string, string, Task<bool>> shouldProcess, IOperationReporter reporter, CancellationToken ct)
    {
        // Every argument check comes before the first request, so a bad one changes nothing.
        Validate(request);
        var server = request.Server ?? remote.Server;
        if (request.Server is null) ValidateServer(server, given: false);
        if ((request.OutFile is null || request.RotateToken) && primary is null) throw new ArgumentNullException(nameof(primary));

        var ns = request.Namespace;
        var secretName = RemoteSecretNames.SecretName(request.ClusterName);
        if (RemoteSecretNames.IsLoopbackServer(server))
        {
            reporter.Warning($"The server {server} of cluster '{request.ClusterName}' is a loopback address: istiod in the primary cluster cannot reach it there. " +
                             "Pass -Server with an address of the remote API server that the primary's pods can reach.");
        }

        try
        {
            if (primary is not null)
            {
                reporter.Progress(Activity, $"istiod in '{primary.ContextName}'", 5);
                await CheckAsIstiodWouldAsync(remote, primary, request, reporter, ct).ConfigureAwait(false);
            }

            reporter.Progress(Activity, $"Service account {ns}/{request.ServiceAccount} in '{remote.ContextName}'", 10);
            var account = await ReaderServiceAccount.GetAsync(remote, ns, request.ServiceAccount, ct).ConfigureAwait(false);
            if (account is null && !request.CreateServiceAccount) throw ReaderServiceAccount.NotFound(remote, ns, request.ServiceAccount);
            var previous = request.RotateToken ? await TokenRotator.ReadCurrentAsync(primary!, ns, request.ClusterName, reporter, ct).ConfigureAwait(false) : null;

            var target = request.OutFile is { } file
                ? $"File {file}"
                : $"Secret {ns}/{secretName} in context '{primary!.ContextName}'";
            var action = $"Publish the credentials of ServiceAccount {ns}/{request.ServiceAccount} of context '{remote.ContextName}' as remote cluster '{request.ClusterName}'" +
                         (account is null ? " (creating the service account and its reader role)" : string.Empty) +
                         (request.TokenLifetime is { } life ? $" with a token valid for {life}" : string.Empty) +
                         (request.RotateToken ? ", with a new token, then deleting the token secret of the previous one" : string.Empty);
            if (!await shouldProcess(target, action).ConfigureAwait(false)) return null;

            if (request.CreateServiceAccount)
            {
                account = await ReaderServiceAccount.EnsureAsync(remote, ns, request.ServiceAccount, reporter, ct).ConfigureAwait(false);
            }

            // A token written to the primary is confirmed live afterwards: a racing rotation may have revoked it (TokenRevocation); then again, a few times.
            for (var attempt = 1; ; attempt++)
            {
                reporter.Progress(Activity, $"Token of {ns}/{request.ServiceAccount} in '{remote.ContextName}'", 30);
                var token = request.TokenLifetime is { } tokenLifetime
                    ? await TokenRequestSource.RequestAsync(remote, account!, tokenLifetime, request.TokenTimeout, reporter, ct).ConfigureAwait(false)
                    : request.RotateToken
                        ? await TokenRotator.NewTokenSecretAsync(remote, account!, request.ClusterName, previous, request.TokenTimeout, reporter, ct).ConfigureAwait(false)
                        : await ServiceAccountTokenSource.GetAsync(remote, account!, request.TokenMode, request.TokenTimeout, reporter, ct).ConfigureAwait(false);
                reporter.Verbose(token.SecretName is { } tokenSecret
                    ? $"Using the token and CA of Secret {ns}/{tokenSecret} in context '{remote.ContextName}'."
                    : $"Using a time-bound token of ServiceAccount {ns}/{request.ServiceAccount} that expires at {token.Expires:u}.");

                var kubeConfig = RemoteKubeConfig.Build(new RemoteKubeConfigSpec(request.ClusterName, server, token.CertificateAuthority, token.Token, request.TlsServerName));
                var desired = RemoteSecretManifest.Desired(request.ClusterName, ns, kubeConfig);
                // Before the check and the write: a Secret the API server would refuse (a CA bundle of megabytes) is said now, nothing sent.
                SecretSize.Require(desired, primary?.ContextName);
                if (request.SkipVerify)
                {
                    reporter.Verbose("Skipping the check of the new kubeconfig (-SkipVerify).");
                }
                else
                {
                    reporter.Progress(Activity, $"Checking the new kubeconfig against {server}", 60);
                    try
                    {
                        await RemoteAccessVerifier.VerifyAsync(kubeConfig, request.ClusterName, request.ServiceAccount, reporter, ct).ConfigureAwait(false);
                    }
                    catch (MeshClusterException) when (request.RotateToken && attempt < 3 && token.SecretName is not null)
                    {
                        // A racing rotation may have taken the new token secret for an orphan and revoked it before this one's swap: nothing was written yet.
                        var made = token.SecretName;
                        var now = await KubeApi.TryReadSecretAsync(remote, ns, made, ct).ConfigureAwait(false);
                        if (now is not null && RemoteCredentials.SameToken(TokenSecrets.TokenOf(now), token.Token)) throw;
                        reporter.Verbose($"Token secret {ns}/{made} was revoked by another command before it was used: making a fresh one.");
                        previous = await TokenRotator.ReadCurrentAsync(primary!, ns, request.ClusterName, reporter, ct).ConfigureAwait(false);
                        continue;
                    }
                }

                if (request.OutFile is { } path)
                {
                    reporter.Progress(Activity, $"Writing {path}", 80);
                    RemoteSecretFile.Write(path, RemoteSecretManifest.ToYaml(desired));
                    reporter.Verbose($"Wrote Secret {ns}/{secretName} as YAML to {path}.");
                    return Result(RemoteSecretAction.WrittenToFile, null, path);
                }

                reporter.Progress(Activity, $"Applying Secret {ns}/{secretName} in '{primary!.ContextName}'", 80);
                RemoteSecretAction outcome;
                string? resourceVersion;
                RevocationOutcome? revocation = null;
                if (!request.RotateToken)
                {
                    (outcome, resourceVersion) = await ApplyAsync(primary, desired, reporter, ct).ConfigureAwait(false);
                }
                else
                {
                    RemoteSecretEntry? replaced;
                    try
                    {
                        (outcome, resourceVersion, replaced) = await TokenRotator.SwapAsync(primary, desired, previous, request.ClusterName, reporter, ct).ConfigureAwait(false);
                    }
                    catch (MeshClusterException ex) when (ex.ErrorId == ErrorIds.RemoteSecretRemovedMeanwhile && token.SecretName is { } made)
                    {
                        // Nothing holds the new token: it goes too, so that the removal's word stands.
                        var own = await KubeApi.TryReadSecretAsync(remote, ns, made, ct).ConfigureAwait(false);
                        if (own is not null) await TokenRevocation.RevokeAsync(remote, primary, own, reporter, ct).ConfigureAwait(false);
                        throw;
                    }

                    // Only now that the primary holds the new token may the old one stop working.
                    reporter.Progress(Activity, $"Revoking the previous token of '{request.ClusterName}' in '{remote.ContextName}'", 90);
                    revocation = await TokenRotator.RevokePreviousAsync(remote, primary, replaced, token, ns, request.ServiceAccount, request.ClusterName, reporter, ct)
                        .ConfigureAwait(false);
                }

                if (token.SecretName is { } held && !await TokenRevocation.ConfirmLiveAsync(remote, ns, held, token.Token, ct).ConfigureAwait(false))
                {
                    if (attempt >= 3)
                    {
                        throw new MeshClusterException(ErrorIds.RemoteSecretTokenRevokedMeanwhile, ErrorCategory.ResourceBusy,
                            $"The token of Secret {ns}/{held} that Secret {ns}/{secretName} in context '{primary.ContextName}' now holds was revoked meanwhile by another command, {attempt} times.",
                            target: secretName, recommendedAction: "Another rotation of this cluster is running: let it finish, then run this command again.");
                    }

                    reporter.Verbose($"Token secret {ns}/{held} was revoked meanwhile by another command: publishing a fresh token.");
                    previous = request.RotateToken ? await TokenRotator.ReadCurrentAsync(primary, ns, request.ClusterName, reporter, ct).ConfigureAwait(false) : previous;
                    continue;
                }

                return Result(outcome, resourceVersion, null, revocation?.TokenSecretName, revocation?.Revoked ?? false, revocation?.Reason);

                IstioRemoteSecret Result(RemoteSecretAction outcome, string? resourceVersion, string? writtenPath, string? previousTokenSecret = null,
                    bool revokedPrevious = false, string? revocationReason = null) =>
                    new(outcome, secretName, ns, request.ClusterName, server, remote.ContextName, primary?.ContextName, request.ServiceAccount,
                        token.SecretName, resourceVersion, writtenPath, token.Expires, previousTokenSecret, revokedPrevious, revocationReason);
            }
        }
        finally
        {
            reporter.ProgressCompleted(Activity);
        }
    }

    /// <summary>
    /// What the primary's istiod would make of the Secret, before anything is written anywhere: a cluster name it would ignore is
    /// refused (unless -Force), and a remote-profile cluster it would not take charge of draws a warning. The three reads go at once.
    /// </summary>
    private static async Task CheckAsIstiodWouldAsync(KubeConnection remote, KubeConnection primary, RemoteSecretRequest request, IOperationReporter reporter,
        CancellationToken ct)
    {
        var ns = request.Namespace;
        var istiodTask = IstiodDeploymentReader.ReadAsync(primary, ns, reporter, ct);
        var existingTask = RemoteSecretReader.FindAsync(primary, new RemoteSecretSelection(ns), reporter, ct);
        var remoteTask = RemoteProfileDetector.DetectAsync(remote, ns, reporter, ct);
        await Task.WhenAll(istiodTask, existingTask, remoteTask).ConfigureAwait(false);

        var istiod = istiodTask.Result;
        RemoteSecretClaims.Check(request.ClusterName, istiod, request.Force, reporter);
        RemoteSecretClaims.Check(request.ClusterName, ns, primary.ContextName, existingTask.Result.Entries.Select(e => e.Info).ToList(), request.Force, reporter);
        if (remoteTask.Result is { } evidence)
        {
            foreach (var warning in ExternalIstiodCheck.Judge(istiod, evidence)) reporter.Warning(warning);
        }
    }

    /// <summary>Server-side apply, skipped when the Secret already says the same (so its resourceVersion stays).</summary>
    private static async Task<(RemoteSecretAction, string?)> ApplyAsync(KubeConnection primary, V1Secret desired, IOperationReporter reporter, CancellationToken ct)
    {
        var ns = desired.Metadata.NamespaceProperty;
        var name = desired.Metadata.Name;
        var existing = await KubeApi.TryReadSecretAsync(primary, ns, name, ct).ConfigureAwait(false);
        if (RemoteSecretManifest.IsSatisfiedBy(desired, existing))
        {
            reporter.Verbose($"Secret {ns}/{name} in context '{primary.ContextName}' is already up to date.");
            return (RemoteSecretAction.Unchanged, existing!.Metadata.ResourceVersion);
        }

        reporter.Verbose($"{(existing is null ? "Creating" : "Updating")} Secret {ns}/{name} in context '{primary.ContextName}' (server-side apply as '{RemoteSecretNames.FieldManager}').");
        var applied = await KubeApi.CallAsync(primary, $"applying Secret {ns}/{name}",
            c => c.Client.CoreV1.PatchNamespacedSecretAsync(new V1Patch(desired, V1Patch.PatchType.ApplyPatch), name, ns,
                fieldManager: RemoteSecretNames.FieldManager, force: true, cancellationToken: c.Token), ct).ConfigureAwait(false);
        return (existing is null ? RemoteSecretAction.Created : RemoteSecretAction.Updated, applied.Metadata?.ResourceVersion);
    }

    /// <summary>istiod sends the token to this URL: https only (never in clear), and no user info that would ride along in it.</summary>
    private static void ValidateServer(string server, bool given)
    {
        var problem = !Uri.TryCreate(server, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host) ? "is not an absolute https URL"
            : uri.Scheme != Uri.UriSchemeHttps ? "is not an https URL: istiod would send the token in clear"
            : uri.UserInfo.Length > 0 ? "carries a user name or password; give the bare https URL"
            : null;
        if (problem is null) return;
        throw new MeshClusterException(ErrorIds.RemoteServerInvalid, ErrorCategory.InvalidArgument,
            $"{(given ? "-Server" : "The remote context's server")} '{SecretRedactor.Redact(RedactUserInfo(server))}' {problem}.", target: RedactUserInfo(server));
    }

    private static string RedactUserInfo(string server) =>
        Uri.TryCreate(server, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0 ? server.Replace(uri.UserInfo + "@", "***@", StringComparison.Ordinal) : server;
}
