using System.Net;
using System.Net.Sockets;
using MeshCluster.Engine.Http;

namespace MeshCluster.Engine.Tests.Http;

/// <summary>
/// The retry policy on its own: the inner handler below scripts transport answers (not the
/// Kubernetes API), so each transient case can be produced on demand.
/// </summary>
public sealed class TransientRetryHandlerTests
{
    [Theory]
    [InlineData(HttpStatusCode.TooManyRequests)]
    [InlineData(HttpStatusCode.InternalServerError)]
    [InlineData(HttpStatusCode.BadGateway)]
    [InlineData(HttpStatusCode.ServiceUnavailable)]
    [InlineData(HttpStatusCode.GatewayTimeout)]
    public async Task Retries_reads_on_transient_status(HttpStatusCode status)
    {
        var inner = new ScriptedHandler(_ => new HttpResponseMessage(status), _ => new HttpResponseMessage(HttpStatusCode.OK));
        var response = await Send(inner, HttpMethod.Get);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, inner.Calls);
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused)]
    [InlineData(SocketError.ConnectionReset)]
    public async Task Retries_reads_on_connection_failures(SocketError error)
    {
        var inner = new ScriptedHandler(_ => throw new HttpRequestException("down", new SocketException((int)error)), _ => new HttpResponseMessage(HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.OK, (await Send(inner, HttpMethod.Get)).StatusCode);
        Assert.Equal(2, inner.Calls);
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PATCH")]
    [InlineData("DELETE")]
    public async Task Never_retries_writes(string method)
    {
        var inner = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable), _ => new HttpResponseMessage(HttpStatusCode.OK));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Send(inner, new HttpMethod(method))).StatusCode);
        Assert.Equal(1, inner.Calls);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Forbidden)]
    [InlineData(HttpStatusCode.Unauthorized)]
    [InlineData(HttpStatusCode.NotImplemented)]
    public async Task Does_not_retry_answers_that_will_not_change(HttpStatusCode status)
    {
        var inner = new ScriptedHandler(_ => new HttpResponseMessage(status), _ => new HttpResponseMessage(HttpStatusCode.OK));
        Assert.Equal(status, (await Send(inner, HttpMethod.Get)).StatusCode);
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task Gives_up_after_the_bound()
    {
        var inner = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        var response = await Send(inner, HttpMethod.Get, maxRetries: 3);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(4, inner.Calls);
    }

    [Fact]
    public async Task Honours_Retry_After()
    {
        var first = DateTime.UtcNow;
        DateTime second = default;
        var inner = new ScriptedHandler(
            _ =>
            {
                var r = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
                r.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
                return r;
            },
            _ => { second = DateTime.UtcNow; return new HttpResponseMessage(HttpStatusCode.OK); });

        // The base delay is 1 ms: only Retry-After can explain a wait near a second.
        await Send(inner, HttpMethod.Get, baseDelay: TimeSpan.FromMilliseconds(1));
        Assert.InRange((second - first).TotalMilliseconds, 900, 5000);
    }

    [Fact]
    public async Task Cancellation_ends_the_backoff()
    {
        var inner = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var handler = new TransientRetryHandler(maxRetries: 10, baseDelay: TimeSpan.FromSeconds(5)) { InnerHandler = inner };
        using var client = new HttpClient(handler);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("http://127.0.0.1:9/", cts.Token));
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task A_server_that_never_answers_ends_at_the_overall_deadline()
    {
        var calls = 0;
        var silent = new SilentHandler(() => calls++);
        var handler = new TransientRetryHandler(maxRetries: 10, baseDelay: TimeSpan.FromMilliseconds(1),
            attemptTimeout: TimeSpan.FromMilliseconds(200), deadline: TimeSpan.FromMilliseconds(500))
        { InnerHandler = silent };
        using var client = new HttpClient(handler);

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.GetAsync("http://127.0.0.1:9/api/v1/pods", TestContext.Current.CancellationToken));

        // Ten retries allowed, but the deadline leaves room for three attempts only (200 + 200 + what is left).
        Assert.InRange(calls, 2, 3);
        Assert.Contains("a request may take", ex.Message);
    }

    [Fact]
    public async Task A_silent_attempt_whose_retry_would_pass_the_deadline_reports_the_deadline()
    {
        var calls = 0;
        var silent = new SilentHandler(() => calls++);
        var handler = new TransientRetryHandler(maxRetries: 10, baseDelay: TimeSpan.FromSeconds(1),
            attemptTimeout: TimeSpan.FromMilliseconds(200), deadline: TimeSpan.FromSeconds(1))
        { InnerHandler = silent };
        using var client = new HttpClient(handler);

        var ex = await Assert.ThrowsAsync<TimeoutException>(() => client.GetAsync("http://127.0.0.1:9/api/v1/pods", TestContext.Current.CancellationToken));

        // The first attempt ends by its own 200 ms; its backoff (1 s at least) would pass the 1 s deadline, which is what ends the request.
        Assert.Equal(1, calls);
        Assert.Equal("no answer within the 1 s a request may take", ex.Message);
    }

    private sealed class SilentHandler(Action called) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            called();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }

    private static async Task<HttpResponseMessage> Send(HttpMessageHandler inner, HttpMethod method, int maxRetries = 4, TimeSpan? baseDelay = null)
    {
        var handler = new TransientRetryHandler(maxRetries: maxRetries, baseDelay: baseDelay ?? TimeSpan.FromMilliseconds(1)) { InnerHandler = inner };
        using var client = new HttpClient(handler);
        return await client.SendAsync(new HttpRequestMessage(method, "http://127.0.0.1:9/api/v1/pods"));
    }

    private sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Func<HttpRequestMessage, HttpResponseMessage>[] _script;
        public ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] script) => _script = script;
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var step = _script[Math.Min(Calls, _script.Length - 1)];
            Calls++;
            return Task.FromResult(step(request));
        }
    }
}
