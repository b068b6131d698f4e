using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// Asks the remote API server, with the token itself, "may I" for every right of the reader role the remote's
/// Istio needs (<see cref="ReaderRole.RequiredAccess"/>: one SelfSubjectAccessReview each) and names each one denied.
/// </summary>
internal static class RemoteAuthorizationCheck
{
    private const int MaxParallel = 8;

    public static async Task<(bool Granted, string Detail)> RunAsync(KubeConnection connection, ReaderRole role, string form, TimeSpan timeout, CancellationToken ct)
    {
        var required = role.RequiredAccess;
        var answers = new bool?[required.Count];
        string? failure = null;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await System.Threading.Tasks.Parallel.ForEachAsync(Enumerable.Range(0, required.Count),
                new ParallelOptions { MaxDegreeOfParallelism = MaxParallel, CancellationToken = deadline.Token },
                async (i, token) => answers[i] = await AllowedAsync(connection, required[i], token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            failure = $"No answer to every access review within {Input.TimeoutRule.Text(timeout)} (-Timeout).";
        }
        catch (MeshClusterException ex)
        {
            failure = $"The access reviews cannot be made: {ex.Message}";
        }

        if (failure is not null) return (false, failure);

        var denied = required.Where((_, i) => answers[i] != true).ToList();
        if (denied.Count == 0)
        {
            return (true, $"All {required.Count} rights istiod needs of {form} are granted, as {role.Chart} grants them ({ReaderServiceAccount.Describe(required)}).");
        }

        var extras = role.RemoteProfile && denied.All(d => ReaderRole.Grants(role.RemoteRules, d))
            ? " Only the remote profile's rights are missing: the reader ClusterRole lacks the rules the remote profile adds to it (istioctl install of profile: remote makes them)."
            : string.Empty;
        return (false, $"Missing {denied.Count} of {required.Count} rights istiod needs of {form} ({role.Chart}): may not {ReaderServiceAccount.Describe(denied)}.{extras} " +
                       $"Is the reader ClusterRoleBinding ({role.Name}) there, naming this service account, and its ClusterRole granting them?");
    }

    private static async Task<bool> AllowedAsync(KubeConnection connection, ReaderAccess access, CancellationToken ct)
    {
        var review = new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes { Group = access.Group, Resource = access.Resource, Verb = access.Verb },
            },
        };
        var answer = await KubeApi.CallAsync(connection, $"asking whether it may {access.Verb} {access.QualifiedResource}",
            c => c.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(review, cancellationToken: c.Token), ct).ConfigureAwait(false);
        return answer.Status?.Allowed == true;
    }
}
