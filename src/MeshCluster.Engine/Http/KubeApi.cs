using System.Management.Automation;
using System.Net;
using System.Security.Authentication;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Every Kubernetes call goes through here, so that failures become <see cref="MeshClusterException"/>
/// with our words. KubernetesClient's HttpOperationException carries the request headers (the bearer
/// token among them): it never leaves this class.
/// </summary>
public static class KubeApi
{
    public static Task<T> CallAsync<T>(KubeConnection connection, string what, Func<IKubernetesCall, Task<T>> call, CancellationToken ct) =>
        GuardAsync(connection, what, async () => ReplyShape.Require(connection, what, await call(new KubernetesCall(connection, ct)).ConfigureAwait(false)), ct);

    /// <summary>
    /// A request made some other way than through KubernetesClient's typed operations (<see cref="KubeRead"/>), with the same
    /// translation of every failure into the module's error.
    /// </summary>
    internal static async Task<T> GuardAsync<T>(KubeConnection connection, string what, Func<Task<T>> call, CancellationToken ct)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (HttpOperationException ex)
        {
            throw Translate(connection, what, ex.Response?.StatusCode ?? 0, ex.Response?.Content);
        }
        catch (ResponseTooLargeException ex)
        {
            throw TooLarge(connection, what, ex);
        }
        catch (SecretTooLargeException ex)
        {
            throw SecretSize.Error(ex.Secret, ex.Bytes, connection.ContextName);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !ct.IsCancellationRequested)
        {
            // IOException: a body cut off mid-way, an HTTP/2 stream reset (after the reads' retries).
            throw Unreachable(connection, what, ex);
        }
        catch (Exception ex) when (ex is TimeoutException or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new MeshClusterException(ErrorIds.KubeApiUnreachable, ErrorCategory.OperationTimeout,
                $"The API server {connection.Server} of context '{connection.ContextName}' did not answer in time while {what} " +
                $"(a request may take {TransientRetryHandler.DefaultDeadline.TotalSeconds:0} s in all, its retries included).",
                target: connection.ContextName,
                recommendedAction: "Check that the server in the kubeconfig is the API server and that it is running; a server that accepts connections but never answers is often a wrong port or a stopped process behind a load balancer.");
        }
        catch (JsonException)
        {
            // No API server sends this: a proxy's error page, a truncated or corrupted answer.
            throw new MeshClusterException(ErrorIds.KubeApiInvalidResponse, ErrorCategory.InvalidResult,
                $"The API server {connection.Server} of context '{connection.ContextName}' answered with something that is not a Kubernetes object while {what}.",
                target: connection.ContextName,
                recommendedAction: "Check that the kubeconfig's server is the API server itself, not a proxy or load balancer that answers in its place.");
        }
    }

    /// <summary>Secret <paramref name="ns"/>/<paramref name="name"/>; null when there is none (the module's most frequent read).</summary>
    public static Task<V1Secret?> TryReadSecretAsync(KubeConnection connection, string ns, string name, CancellationToken ct) =>
        TryGetAsync(connection, $"reading Secret {ns}/{name}", c => c.Client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: c.Token), ct);

    /// <summary>How long a command that got no answer before its -Timeout gives the server, past it, to tell a silent server from a short -Timeout.</summary>
    public static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(1);

    /// <summary>
    /// True when the server answers GET /version within <see cref="AnswerGrace"/>: whether a wait that got no answer before its
    /// deadline met a server that does not answer, or a deadline too short for any answer (issue 20, point 10).
    /// </summary>
    public static async Task<bool> AnswersAsync(KubeConnection connection, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(AnswerGrace);
        try
        {
            await CallAsync(connection, "reading /version", c => c.Client.Version.GetCodeAsync(c.Token), limit.Token).ConfigureAwait(false);
            return true;
        }
        catch (MeshClusterException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>True for a failure that may pass: no answer, a dropped connection, 429, or a 5xx.</summary>
    public static bool IsPassing(MeshClusterException ex) =>
        ex.ErrorId == ErrorIds.KubeApiUnreachable || ex.StatusCode is { } status && TransientRetryHandler.IsTransient(status);

    /// <summary>Like <see cref="CallAsync{T}"/>, but a 404 gives null.</summary>
    public static Task<T?> TryGetAsync<T>(KubeConnection connection, string what, Func<IKubernetesCall, Task<T>> call, CancellationToken ct)
        where T : class => NullOnStatusAsync(connection, what, call, HttpStatusCode.NotFound, ct);

    /// <summary>Creates; a 409 (made meanwhile by someone else, or by an earlier run) counts as done and gives null.</summary>
    public static Task<T?> CreateOrExistingAsync<T>(KubeConnection connection, string what, Func<IKubernetesCall, Task<T>> create, CancellationToken ct)
        where T : class => NullOnStatusAsync(connection, what, create, HttpStatusCode.Conflict, ct);

    private static async Task<T?> NullOnStatusAsync<T>(KubeConnection connection, string what, Func<IKubernetesCall, Task<T>> call,
        HttpStatusCode status, CancellationToken ct)
        where T : class
    {
        try
        {
            return await CallAsync(connection, what, call, ct).ConfigureAwait(false);
        }
        catch (MeshClusterException ex) when (ex.StatusCode == status)
        {
            return null;
        }
    }

    internal static MeshClusterException Unreachable(KubeConnection connection, string what, Exception ex)
    {
        var reason = Innermost(ex) switch
        {
            AuthenticationException when connection.Tls?.LastFailure is { } tls && tls.Contains(" is valid for ", StringComparison.Ordinal) =>
                $"TLS verification failed ({tls}); check the server's address, or tls-server-name in the kubeconfig",
            AuthenticationException a => $"TLS verification failed ({connection.Tls?.LastFailure ?? a.Message.TrimEnd('.')}); check the cluster's certificate-authority in the kubeconfig",
            var inner => inner.Message.TrimEnd('.'),
        };
        return new MeshClusterException(ErrorIds.KubeApiUnreachable, ErrorCategory.ConnectionError,
            $"Cannot reach the API server {connection.Server} of context '{connection.ContextName}' while {what}: {reason}.",
            // .NET's own exception (no request headers in it): kept so a caller can tell TLS failures from others.
            target: connection.ContextName, inner: ex);
    }

    /// <summary>KubeApiResponseTooLarge: an answer, or one line of a watch, past its limit.</summary>
    internal static MeshClusterException TooLarge(KubeConnection connection, string what, ResponseTooLargeException ex) =>
        new(ErrorIds.KubeApiResponseTooLarge, ErrorCategory.LimitsExceeded,
            ex.WatchLine
                ? $"The API server {connection.Server} of context '{connection.ContextName}' sent a watch event (one line) longer than {ex.Limit / (1024 * 1024)} MiB " +
                  $"while {what}: no object is that large."
                : $"The API server {connection.Server} of context '{connection.ContextName}' answered more than {ex.Limit / (1024 * 1024)} MiB while {what}: " +
                  "no answer the module asks for is that large.",
            target: connection.ContextName,
            recommendedAction: "Check that the kubeconfig's server is the API server itself, not a proxy or another service that streams in its place.");

    internal static MeshClusterException Translate(KubeConnection connection, string what, HttpStatusCode status, string? body)
    {
        var message = StatusMessage(body);
        var (id, category) = status switch
        {
            HttpStatusCode.Unauthorized => (ErrorIds.KubeApiUnauthorized, ErrorCategory.AuthenticationError),
            HttpStatusCode.Forbidden => (ErrorIds.KubeApiForbidden, ErrorCategory.PermissionDenied),
            HttpStatusCode.NotFound => (ErrorIds.KubeApiError, ErrorCategory.ObjectNotFound),
            HttpStatusCode.Conflict => (ErrorIds.KubeApiError, ErrorCategory.ResourceExists),
            HttpStatusCode.UnprocessableEntity or HttpStatusCode.BadRequest => (ErrorIds.KubeApiError, ErrorCategory.InvalidArgument),
            _ => (ErrorIds.KubeApiError, ErrorCategory.NotSpecified),
        };
        var text = $"The API server of context '{connection.ContextName}' answered {(int)status} ({status}) while {what}" +
                   ((int)status is >= 300 and < 400
                       ? ", a redirect: an API server does not redirect (a proxy or a wrong URL?); it was not followed, so no credential went elsewhere."
                       : message is null ? "." : $": {message.TrimEnd('.')}.");
        return new MeshClusterException(id, category, text, target: connection.ContextName) { StatusCode = status };
    }

    private static string? StatusMessage(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);
}

/// <summary>The client and cancellation token handed to a call.</summary>
public interface IKubernetesCall
{
    k8s.IKubernetes Client { get; }
    CancellationToken Token { get; }
}

internal sealed record KubernetesCall(KubeConnection Connection, CancellationToken Token) : IKubernetesCall
{
    public k8s.IKubernetes Client => Connection.Client;
}

