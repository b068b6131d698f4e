using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MeshCluster.TestGround;

/// <summary>One client connection: TLS, then request after request, each forwarded or spoiled by its fault.</summary>
public sealed partial class FaultProxy
{
    private static readonly byte[] GarbageJson = "<html><body>Service temporarily unavailable (this is not JSON)</body></html>"u8.ToArray();

    // Not forwarded: they describe the hop, not the request (the proxy frames its own answer).
    private static readonly HashSet<string> HopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Content-Length",
        "Accept-Encoding", "Expect",
    };

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
            {
                handshake.CancelAfter(TimeSpan.FromSeconds(10));
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = Volatile.Read(ref _certificate),
                    ApplicationProtocols = new List<SslApplicationProtocol> { SslApplicationProtocol.Http11 },
                }, handshake.Token).ConfigureAwait(false);
            }

            var reader = new HttpRequestReader(tls);
            while (!_stopping.IsCancellationRequested && await reader.ReadHeadAsync().ConfigureAwait(false) is { } head)
            {
                var body = await reader.ReadBodyAsync(head).ConfigureAwait(false);
                var request = new ProxiedRequest(head.Method, head.Target,
                    head.Header("Authorization")?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true);
                var fault = Admit(request);
                bool keepOpen;
                try
                {
                    keepOpen = await ExchangeAsync(socket, tls, reader, head, body, request, fault).ConfigureAwait(false);
                }
                finally
                {
                    // Ended without an outcome: the client vanished, or the API server broke off (or disposal) and the connection goes.
                    request.Complete(reader.HasClosed && !_stopping.IsCancellationRequested ? ProxiedOutcome.ClosedByClient : ProxiedOutcome.ClosedByProxy);
                }

                if (!keepOpen || head.WantsClose) break;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException
            or InvalidDataException or System.Security.Authentication.AuthenticationException or HttpRequestException)
        {
            // The client left, sent something that is not HTTP/1.1, refused our certificate, or we reset the connection.
        }
        finally
        {
            Forget(socket);
        }
    }

    /// <summary>Plays one request; false when the connection cannot carry another.</summary>
    private async Task<bool> ExchangeAsync(Socket socket, SslStream tls, HttpRequestReader reader, HttpRequestHead head, byte[] body,
        ProxiedRequest request, Fault? fault)
    {
        switch (fault?.Kind)
        {
            case FaultKind.Drop:
                request.Complete(ProxiedOutcome.ClosedByProxy);
                Reset(socket);
                return false;
            case FaultKind.Status:
                await AnswerStatusAsync(tls, request, fault.StatusCode, fault.RetryAfterSeconds).ConfigureAwait(false);
                return true;
            case FaultKind.GarbageBody:
                request.SetStatus(200);
                request.Complete(ProxiedOutcome.Answered);
                await HttpAnswer.WriteAsync(tls, 200, "application/json", GarbageJson).ConfigureAwait(false);
                return true;
            case FaultKind.JsonBody:
                request.SetStatus(200);
                request.Complete(ProxiedOutcome.Answered);
                await HttpAnswer.WriteAsync(tls, 200, "application/json", System.Text.Encoding.UTF8.GetBytes(fault.Body ?? "{}")).ConfigureAwait(false);
                return true;
            case FaultKind.Redirect:
                request.SetStatus(fault.StatusCode);
                request.Complete(ProxiedOutcome.Answered);
                await HttpAnswer.WriteAsync(tls, fault.StatusCode, "text/html", "<html><body>Moved (played by the fault proxy)</body></html>"u8.ToArray(),
                    ("Location", fault.Body ?? "/")).ConfigureAwait(false);
                return true;
            case FaultKind.Hold:
                Interlocked.Increment(ref _held);
                var released = Volatile.Read(ref _release).Task;
                if (fault.HoldFor is { } holdFor) released = Task.WhenAny(released, Task.Delay(holdFor)).Unwrap();
                var gone = reader.ClosedAsync();
                await Task.WhenAny(released, gone).ConfigureAwait(false);
                Interlocked.Decrement(ref _held);
                if (!released.IsCompleted || _stopping.IsCancellationRequested)
                {
                    request.Complete(_stopping.IsCancellationRequested ? ProxiedOutcome.ClosedByProxy : ProxiedOutcome.ClosedByClient);
                    return false;
                }

                break; // released: forward
        }

        // The client closing while the answer is pending cancels the upstream request (a held watch, say).
        using var exchange = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        _ = CancelWhenClosedAsync(reader, exchange);

        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(UpstreamRequest(head, body), HttpCompletionOption.ResponseHeadersRead, exchange.Token)
                .ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            // The API server is down or broke off: what a load balancer in front of it would say.
            await AnswerStatusAsync(tls, request, 502, null, "the fault proxy could not reach the API server: " + ex.HttpRequestError).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (exchange.IsCancellationRequested)
        {
            request.Complete(_stopping.IsCancellationRequested ? ProxiedOutcome.ClosedByProxy : ProxiedOutcome.ClosedByClient);
            return false;
        }

        using (response)
        {
            var upstreamBody = await response.Content.ReadAsStreamAsync(exchange.Token).ConfigureAwait(false);
            var headers = ResponseHeaders(response).ToList();
            var status = (int)response.StatusCode;
            var hasBody = head.Method != "HEAD" && status is not (204 or 304) && status >= 200;
            var length = response.Content.Headers.ContentLength;
            request.SetStatus(status);

            if (fault?.Kind == FaultKind.ResetMidBody)
            {
                await ResetMidBodyAsync(socket, tls, upstreamBody, headers, status, response.ReasonPhrase, length, fault.AfterBytes, request,
                    exchange.Token).ConfigureAwait(false);
                return false;
            }

            // Watches come chunked; an answer with a length (an error to a watch too) passes as it is.
            if (!hasBody || length is not null)
            {
                // Read whole first, so the record is complete before the client has its answer.
                var content = new MemoryStream();
                if (hasBody) await upstreamBody.CopyToAsync(content, exchange.Token).ConfigureAwait(false);
                if (length is not null) headers.Add(("Content-Length", length.Value.ToString()));
                request.Complete(ProxiedOutcome.Answered);
                await HttpAnswer.WriteHeadAsync(tls, status, response.ReasonPhrase, headers).ConfigureAwait(false);
                await tls.WriteAsync(content.GetBuffer().AsMemory(0, (int)content.Length), exchange.Token).ConfigureAwait(false);
                await tls.FlushAsync(exchange.Token).ConfigureAwait(false);
                return true;
            }

            headers.Add(("Transfer-Encoding", "chunked"));
            await HttpAnswer.WriteHeadAsync(tls, status, response.ReasonPhrase, headers).ConfigureAwait(false);
            if (fault is not null && fault.WatchOnly && status == 200)
            {
                await SpoilWatchAsync(tls, upstreamBody, fault, exchange.Token).ConfigureAwait(false);
            }
            else
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await upstreamBody.ReadAsync(buffer, exchange.Token).ConfigureAwait(false)) > 0)
                {
                    await HttpAnswer.WriteChunkAsync(tls, buffer.AsMemory(0, read)).ConfigureAwait(false);
                }
            }

            request.Complete(ProxiedOutcome.Answered);
            await HttpAnswer.WriteLastChunkAsync(tls).ConfigureAwait(false);
            return true;
        }
    }

    private static async Task CancelWhenClosedAsync(HttpRequestReader reader, CancellationTokenSource exchange)
    {
        if (!await reader.ClosedAsync().ConfigureAwait(false)) return;
        try { exchange.Cancel(); } catch (ObjectDisposedException) { } // the exchange was over already
    }

    private async Task AnswerStatusAsync(SslStream tls, ProxiedRequest request, int code, int? retryAfterSeconds, string? message = null)
    {
        var reason = HttpAnswer.StatusReason(code);
        var json = HttpAnswer.StatusJson(code, reason, message ?? $"{reason} (played by the fault proxy)", retryAfterSeconds);
        var extra = retryAfterSeconds is { } s ? new[] { ("Retry-After", s.ToString()) } : Array.Empty<(string, string)>();
        request.SetStatus(code);
        request.Complete(ProxiedOutcome.Answered);
        await HttpAnswer.WriteAsync(tls, code, "application/json", Encoding.UTF8.GetBytes(json), extra).ConfigureAwait(false);
    }

    private HttpRequestMessage UpstreamRequest(HttpRequestHead head, byte[] body)
    {
        var message = new HttpRequestMessage(new HttpMethod(head.Method), new Uri(_upstreamBase, head.Target));
        if (body.Length > 0 || head.Method is "POST" or "PUT" or "PATCH") message.Content = new ByteArrayContent(body);
        foreach (var (name, value) in head.Headers)
        {
            if (HopHeaders.Contains(name)) continue;
            if (!message.Headers.TryAddWithoutValidation(name, value)) message.Content?.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    private static IEnumerable<(string, string)> ResponseHeaders(HttpResponseMessage response) =>
        response.Headers.Concat(response.Content.Headers)
            .Where(h => !HopHeaders.Contains(h.Key))
            .SelectMany(h => h.Value.Select(v => (h.Key, v)));
}
