using System.Management.Automation;
using k8s;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// Proves a remote-secret kubeconfig works before it is published: a client built from the very
/// text (in memory) lists pods cluster-wide, the first thing istiod does with it.
/// </summary>
public static class RemoteAccessVerifier
{
    /// <summary>How long a 401 for a new token is asked again before it counts as a refusal.</summary>
    internal static readonly TimeSpan UnauthorizedGrace = TimeSpan.FromSeconds(10);

    public static async Task VerifyAsync(string kubeConfig, string clusterName, string serviceAccount, IOperationReporter reporter, CancellationToken ct)
    {
        using var connection = KubeClientFactory.FromKubeConfigText(kubeConfig, clusterName, out var unusable)
            ?? throw Unusable(clusterName, serviceAccount, unusable!);
        reporter.Verbose($"Checking the new kubeconfig: listing pods in all namespaces at {connection.Server} as ServiceAccount '{serviceAccount}'.");
        try
        {
            // A token just made may be refused (401) for a moment: the API server's token authenticator caches what it looked up
            // (2 in 220 rotations on an idle cluster). Refusals are asked again, with backoff, until the verification's deadline.
            var deadline = DateTime.UtcNow + UnauthorizedGrace;
            for (var delay = TimeSpan.FromMilliseconds(250); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(2).Ticks)))
            {
                try
                {
                    await KubeApi.CallAsync(connection, "listing pods in all namespaces with the remote secret's token",
                        c => c.Client.CoreV1.ListPodForAllNamespacesAsync(limit: 1, cancellationToken: c.Token), ct).ConfigureAwait(false);
                    break;
                }
                catch (MeshClusterException ex) when (ex.ErrorId == ErrorIds.KubeApiUnauthorized && DateTime.UtcNow + delay < deadline)
                {
                    reporter.Verbose($"The API server does not accept the new token yet (401): asking again in {delay.TotalSeconds:0.##} s.");
                    await Task.Delay(delay, ct).ConfigureAwait(false);
                }
            }
        }
        catch (MeshClusterException ex)
        {
            // Passing failures were retried by the client; what is left is an answer about the credentials or the server.
            var (reason, category) = ex.ErrorId switch
            {
                ErrorIds.KubeApiForbidden => ("the service account may not list pods cluster-wide (no ClusterRoleBinding to a reader role?)", ErrorCategory.PermissionDenied),
                ErrorIds.KubeApiUnauthorized => ("the API server rejects the token", ErrorCategory.AuthenticationError),
                ErrorIds.KubeApiUnreachable => ("the API server cannot be reached from here, or its certificate does not verify", ErrorCategory.ConnectionError),
                _ => ("the API server refused the request", ErrorCategory.InvalidResult),
            };
            throw Unusable(clusterName, serviceAccount, $"{reason}: {ex.Message}", category, ex);
        }
    }

    private static MeshClusterException Unusable(string clusterName, string serviceAccount, string reason,
        ErrorCategory category = ErrorCategory.InvalidData, Exception? inner = null) =>
        new(ErrorIds.RemoteSecretUnusable, category,
            $"The remote secret for cluster '{clusterName}' would not work, so nothing was written: {reason}",
            target: clusterName, inner: inner,
            recommendedAction: $"Give ServiceAccount '{serviceAccount}' Istio's reader role (-CreateServiceAccount creates both for a new account), " +
                               "check -Server, or use -SkipVerify when only the primary's istiod can reach the server.");
}
