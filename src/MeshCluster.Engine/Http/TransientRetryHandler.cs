using System.Net;
using System.Net.Sockets;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Retries reads (GET, HEAD) that failed for a passing reason: connection refused or reset, a body cut
/// off mid-way, no answer within <see cref="AttemptTimeout"/>, 429, and 5xx. Exponential backoff,
/// bounded in attempts and delay, honouring Retry-After, and all of it within one overall <see cref="Deadline"/>
/// (issue 20, point 7: four silent attempts of 15 s each made a plain call take a minute). A read's body is taken in here (watches
/// excepted: each of their lines is bounded instead, <see cref="LineBoundedContent"/>), so a cut-off body is retried like any other passing failure. Writes are never retried
/// here: a POST that timed out may have happened. Each retry is said on the debug stream of the command
/// that made the request.
/// </summary>
public sealed class TransientRetryHandler : DelegatingHandler
{
    public const int DefaultMaxRetries = 4;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    /// <summary>
    /// One request's whole time, its retries included. An API server answers a read of one object in milliseconds and
    /// ends a slow request itself after 60 s (kube-apiserver's --request-timeout): 30 s leaves room for a busy server
    /// and two or three attempts, and is still well under the minute a pipeline step would otherwise hang.
    /// </summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(30);

    /// <summary>One attempt's time: a third of the deadline, so a silent server is tried three times.</summary>
    public static readonly TimeSpan DefaultAttemptTimeout = TimeSpan.FromSeconds(10);

    public TransientRetryHandler(int maxRetries = DefaultMaxRetries, TimeSpan? baseDelay = null, TimeSpan? attemptTimeout = null, TimeSpan? deadline = null)
    {
        MaxRetries = maxRetries;
        BaseDelay = baseDelay ?? TimeSpan.FromMilliseconds(250);
        AttemptTimeout = attemptTimeout ?? DefaultAttemptTimeout;
        Deadline = deadline ?? DefaultDeadline;
    }

    public int MaxRetries { get; }
    public TimeSpan BaseDelay { get; }

    /// <summary>How long one attempt (not a watch) may go without its answer and body.</summary>
    public TimeSpan AttemptTimeout { get; }

    /// <summary>How long one request (not a watch) may take in all, its retries and their delays included.</summary>
    public TimeSpan Deadline { get; }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var idempotent = request.Method == HttpMethod.Get || request.Method == HttpMethod.Head;
        // A watch streams until the server ends it: neither buffered nor limited here.
        var watch = request.RequestUri?.Query.Contains("watch=true", StringComparison.Ordinal) == true;
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            var what = $"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}";
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var left = Deadline - started.Elapsed;
            if (!watch) limit.CancelAfter(left < AttemptTimeout ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : AttemptTimeout);
            HttpResponseMessage? response = null;
            Exception failure;
            try
            {
                response = await base.SendAsync(request, limit.Token).ConfigureAwait(false);
                if (watch)
                {
                    // Read line by line as it comes: each line (one event, one object) is bounded, not the stream.
                    response.Content = new LineBoundedContent(response.Content, MaxObjectBytes);
                    return response;
                }

                if (!idempotent || !IsTransient(response.StatusCode))
                {
                    // A write's answer too is one object: bounded like a read's, never retried.
                    var most = BodyLimit(request.RequestUri);
                    // net8.0 has no cancellable overload: the wait is cancelled, and disposing the response ends the read.
                    try
                    {
                        await response.Content.LoadIntoBufferAsync(most).WaitAsync(limit.Token).ConfigureAwait(false);
                    }
                    catch (HttpRequestException ex) when (!limit.IsCancellationRequested && IsOverLimit(ex, most))
                    {
                        response.Dispose();
                        throw new ResponseTooLargeException(most);
                    }

                    return response;
                }

                var delay = RetryAfter(response) ?? Backoff(attempt);
                if (attempt >= MaxRetries || started.Elapsed + delay >= Deadline) return response;
                AmbientReporter.Current.Debug($"{what} answered {(int)response.StatusCode}; retry {attempt + 1} of {MaxRetries} in {delay.TotalMilliseconds:0} ms.");
                response.Dispose();
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && limit.IsCancellationRequested)
            {
                failure = new TimeoutException(started.Elapsed >= Deadline
                    ? DeadlinePassed()
                    : $"no answer within {TimeoutRule.Text(AttemptTimeout)}");
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                failure = ex;
            }

            response?.Dispose();
            var wait = Backoff(attempt);
            if (!idempotent || attempt >= MaxRetries || failure is HttpRequestException h && !IsTransient(h) ||
                !watch && started.Elapsed + wait >= Deadline)
            {
                // Not to be repeated: the caller turns it into the module's error.
                // The last silent attempt ended at the overall deadline's edge: that deadline is what ends the request.
                if (failure is TimeoutException) throw !watch && started.Elapsed + wait >= Deadline ? new TimeoutException(DeadlinePassed()) : failure;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }

            AmbientReporter.Current.Debug($"{what} failed ({failure.Message}); retry {attempt + 1} of {MaxRetries} in {wait.TotalMilliseconds:0} ms.");
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The largest body of a list (issue 20, point 4: bodies were buffered up to 2 GiB each). The module lists one namespace's
    /// Secrets, pods or webhooks; 128 MiB holds a list of 85 objects of etcd's largest size, or thousands of ordinary ones,
    /// and bounds a hostile server's answer.
    /// </summary>
    public const long MaxBodyBytes = 128L * 1024 * 1024;

    /// <summary>
    /// The largest body of anything else: one object (etcd stores at most 1.5 MiB of one, --max-request-bytes; its JSON, with a
    /// Secret's data in base64, is a third larger), /version, a discovery document, and one line of a watch (one event, one
    /// object). 16 MiB, as for the files the module reads (<c>Input/InputLimits</c>): ten times what an object can be, and
    /// -ThrottleLimit answers at once stay far from a machine's memory.
    /// </summary>
    public const long MaxObjectBytes = 16L * 1024 * 1024;

    /// <summary>
    /// <see cref="MaxBodyBytes"/> for a collection (a list: <c>/api/v1/namespaces/ns/secrets</c>, <c>/apis/g/v/deployments</c>),
    /// <see cref="MaxObjectBytes"/> for everything else (one object or its subresource, <c>/version</c>, discovery).
    /// </summary>
    public static long BodyLimit(Uri? uri)
    {
        var segments = (uri?.AbsolutePath ?? string.Empty).Split('/', StringSplitOptions.RemoveEmptyEntries);
        var skip = segments.Length > 0 && segments[0] == "api" ? 2 : segments.Length > 0 && segments[0] == "apis" ? 3 : -1;
        if (skip < 0 || segments.Length <= skip) return MaxObjectBytes;
        var rest = segments[skip..];
        // /namespaces lists namespaces; /namespaces/ns is one; /namespaces/ns/<resource>... is a namespaced resource.
        if (rest[0] == "namespaces" && rest.Length >= 3) rest = rest[2..];
        return rest.Length == 1 ? MaxBodyBytes : MaxObjectBytes;
    }

    // .NET's own words for it name the limit and carry no inner exception; a cut-off body carries its IOException.
    private static bool IsOverLimit(HttpRequestException ex, long limit) =>
        ex.InnerException is null && ex.Message.Contains(limit.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    public static bool IsTransient(HttpStatusCode status) =>
        status == HttpStatusCode.TooManyRequests || (int)status >= 500 && status != HttpStatusCode.NotImplemented && status != HttpStatusCode.HttpVersionNotSupported;

    private static bool IsTransient(HttpRequestException ex) =>
        ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.TimedOut or SocketError.TryAgain }
        || ex.InnerException is IOException
        || ex.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded;

    private string DeadlinePassed() => $"no answer within the {TimeoutRule.Text(Deadline)} a request may take";

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

/// <summary>A body exceeded its limit (<see cref="TransientRetryHandler.BodyLimit"/>), or a watch line <see cref="TransientRetryHandler.MaxObjectBytes"/>: never retried, never buffered further.</summary>
public sealed class ResponseTooLargeException(long limit, bool watchLine = false)
    : Exception(watchLine ? $"a watch line is longer than {limit / (1024 * 1024)} MiB" : $"the answer is larger than {limit / (1024 * 1024)} MiB")
{
    public long Limit { get; } = limit;

    /// <summary>True when one line of a watch stream (one event) went past the limit, not a whole answer.</summary>
    public bool WatchLine { get; } = watchLine;
}
