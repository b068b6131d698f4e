using System.Net;
using System.Net.Sockets;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Retries reads (GET, HEAD) that failed for a passing reason: connection refused or reset, 429,
/// and 5xx. Exponential backoff, bounded in attempts and delay, honouring Retry-After. Writes are
/// never retried here: a POST that timed out may have happened. Each retry is said on the debug
/// stream of the command that made the request.
/// </summary>
public sealed class TransientRetryHandler : DelegatingHandler
{
    public const int DefaultMaxRetries = 4;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);
    public TransientRetryHandler(int maxRetries = DefaultMaxRetries, TimeSpan? baseDelay = null)
    {
        MaxRetries = maxRetries;
        BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(250);
    }

    public int MaxRetries { get; }
    public TimeSpan BaseDelay { get; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var idempotent = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException ex) when (idempotent && attempt < MaxRetries && IsTransient(ex) && !cancellationToken.IsCancellationRequested)
            {
                var wait = Backoff(attempt);
                AmbientReporter.Current.Debug($"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)} failed ({ex.Message}); retry {attempt + 1} of {MaxRetries} in {wait.TotalMilliseconds:0} ms.");
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!idempotent || attempt >= MaxRetries || !IsTransient(response.StatusCode))
            {
                return response;
            }

            var delay = RetryAfter(response) ?? Backoff(attempt);
            AmbientReporter.Current.Debug($"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)} answered {(int)response.StatusCode}; retry {attempt + 1} of {MaxRetries} in {delay.TotalMilliseconds:0} ms.");
            response.Dispose();
            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
        }
    }

    public static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500 && status != HttpStatusCode.NotImplemented && status != HttpStatusCode.HttpVersionNotSupported;

    private static bool IsTransient(HttpRequestException ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.TimedOut or SocketError.TryAgain }
        || ex.InnerException is IOException
        || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded;

    private TimeSpan Backoff(int attempt)
    {
        var ms = BaseDelay.TotalMilliseconds * Math.Pow(2, attempt);
        ms += Random.Shared.NextDouble() * BaseDelay.TotalMilliseconds; // jitter, so many clients do not retry in step
        return TimeSpan.FromMilliseconds(Math.Min(ms, MaxDelay.TotalMilliseconds));
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (wait is null) return null;
        if (wait < TimeSpan.Zero) return TimeSpan.Zero;
        return wait > MaxDelay ? MaxDelay : wait;
    }
}
