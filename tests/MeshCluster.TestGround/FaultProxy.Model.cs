namespace MeshCluster.TestGround;

/// <summary>The kinds of <see cref="Fault"/> the fault proxy can play.</summary>
public enum FaultKind
{
    PassThrough,
    Drop,
    ResetMidBody,
    Hold,
    Status,
    GarbageBody,

    /// <summary>Answers 200 with the given JSON, whatever was asked: a proxy or a wrong URL that answers in the server's place.</summary>
    JsonBody,
    CloseWatch,
    WatchGone,
    WatchGarbageLine,

    /// <summary>Answers with a redirect (3xx, Location): a proxy or load balancer in the server's place.</summary>
    Redirect,

    /// <summary>After some events, one watch line that never ends: a server streaming without end.</summary>
    WatchEndlessLine,
}

/// <summary>
/// What <see cref="FaultProxy"/> does with a request a rule matches. Faults answered by the proxy
/// itself (Drop, Status, GarbageBody) never reach the API server; ResetMidBody, the watch faults and
/// a released Hold forward the request and spoil the answer.
/// </summary>
public sealed class Fault
{
    private Fault(FaultKind kind, int statusCode = 0, int? retryAfterSeconds = null, int? afterBytes = null, int afterEvents = 0,
        TimeSpan? holdFor = null)
    {
        Kind = kind;
        HoldFor = holdFor;
        StatusCode = statusCode;
        RetryAfterSeconds = retryAfterSeconds;
        AfterBytes = afterBytes;
        AfterEvents = afterEvents;
    }

    public FaultKind Kind { get; }

    /// <summary>The status answered by <see cref="FaultKind.Status"/>.</summary>
    public int StatusCode { get; }

    /// <summary>The Retry-After header (seconds) of a <see cref="FaultKind.Status"/> answer; none when null.</summary>
    public int? RetryAfterSeconds { get; }

    /// <summary>
    /// How many body bytes <see cref="FaultKind.ResetMidBody"/> lets through (never the whole body); null: half of it
    /// (of a stream such as a watch: half the first read, so it waits for the first event). 0 on a stream: right after the headers.
    /// </summary>
    public int? AfterBytes { get; }

    /// <summary>How many watch events pass before a watch fault strikes.</summary>
    public int AfterEvents { get; }

    /// <summary>How long <see cref="FaultKind.Hold"/> holds before forwarding by itself; null: until released.</summary>
    public TimeSpan? HoldFor { get; }

    /// <summary>Watch faults match only watch requests (<see cref="ProxiedRequest.IsWatch"/>), whatever the rule's predicate.</summary>
    public bool WatchOnly => Kind is FaultKind.CloseWatch or FaultKind.WatchGone or FaultKind.WatchGarbageLine or FaultKind.WatchEndlessLine;

    /// <summary>Forward untouched (a rule that lets some requests through before the next rule).</summary>
    public static Fault PassThrough() => new(FaultKind.PassThrough);

    /// <summary>Reset the TCP connection (RST) on receiving the request, without answering.</summary>
    public static Fault Drop() => new(FaultKind.Drop);

    /// <summary>Forward, send the answer's headers and part of its body, then reset the TCP connection.</summary>
    public static Fault ResetMidBody(int? afterBytes = null) =>
        new(FaultKind.ResetMidBody, afterBytes: afterBytes is < 0 ? throw new ArgumentOutOfRangeException(nameof(afterBytes)) : afterBytes);

    /// <summary>
    /// Answer nothing until <see cref="FaultProxy.ReleaseHeld"/> or, when given, <paramref name="holdFor"/> has passed
    /// (then forward: a slow server), or until the client gives up.
    /// </summary>
    public static Fault Hold(TimeSpan? holdFor = null) =>
        new(FaultKind.Hold, holdFor: holdFor < TimeSpan.Zero ? throw new ArgumentOutOfRangeException(nameof(holdFor)) : holdFor);

    /// <summary>Answer this status with a Kubernetes Status body, and Retry-After when given.</summary>
    public static Fault Status(int statusCode, int? retryAfterSeconds = null) =>
        statusCode is < 100 or > 599 ? throw new ArgumentOutOfRangeException(nameof(statusCode))
            : new(FaultKind.Status, statusCode, retryAfterSeconds);

    /// <summary>429 Too Many Requests with Retry-After, as an overloaded API server answers.</summary>
    public static Fault TooManyRequests(int retryAfterSeconds = 1) => Status(429, retryAfterSeconds);

    /// <summary>503 Service Unavailable (Retry-After only when given).</summary>
    public static Fault ServiceUnavailable(int? retryAfterSeconds = null) => Status(503, retryAfterSeconds);

    /// <summary>Answer 200 with Content-Type application/json and a body that is not JSON.</summary>
    public static Fault GarbageBody() => new(FaultKind.GarbageBody);

    /// <summary>200 with <paramref name="json"/> for every request it matches (issue 20: replies of the wrong shape).</summary>
    public static Fault JsonBody(string json) => new(FaultKind.JsonBody) { Body = json };

    /// <summary>The body a <see cref="FaultKind.JsonBody"/> answers with; the Location of a <see cref="FaultKind.Redirect"/>.</summary>
    public string? Body { get; private init; }

    /// <summary>End a watch's stream cleanly after this many events (0: right after the headers).</summary>
    public static Fault CloseWatch(int afterEvents = 0) => new(FaultKind.CloseWatch, afterEvents: NotNegative(afterEvents));

    /// <summary>After this many events, send a watch ERROR event holding a 410 Gone Status ("too old resource version") and end the stream, as the API server does.</summary>
    public static Fault WatchGone(int afterEvents = 0) => new(FaultKind.WatchGone, afterEvents: NotNegative(afterEvents));

    /// <summary>After this many events, send one line that is not JSON, then go on passing the watch through.</summary>
    public static Fault WatchGarbageLine(int afterEvents = 0) => new(FaultKind.WatchGarbageLine, afterEvents: NotNegative(afterEvents));

    /// <summary>
    /// Answer <paramref name="statusCode"/> (a 3xx) with <c>Location: location</c>, as a proxy or a login page in the server's place does. A
    /// location on this proxy (a path) is recorded like any request when a client follows it, with whether it carried a credential.
    /// </summary>
    public static Fault Redirect(string location, int statusCode = 302) =>
        statusCode is < 300 or > 399 ? throw new ArgumentOutOfRangeException(nameof(statusCode)) : new(FaultKind.Redirect, statusCode) { Body = location };

    /// <summary>After this many events, one line that never ends (bytes without a newline until the client hangs up): issue 20, point 4.</summary>
    public static Fault WatchEndlessLine(int afterEvents = 0) => new(FaultKind.WatchEndlessLine, afterEvents: NotNegative(afterEvents));

    public override string ToString() => Kind switch
    {
        FaultKind.Redirect => $"Redirect {StatusCode} to {Body}",
        FaultKind.Status => RetryAfterSeconds is { } s ? $"Status {StatusCode} (Retry-After {s})" : $"Status {StatusCode}",
        FaultKind.Hold when HoldFor is { } h => $"Hold for {h.TotalMilliseconds:0} ms",
        FaultKind.ResetMidBody => AfterBytes is { } b ? $"ResetMidBody after {b} bytes" : "ResetMidBody halfway",
        FaultKind.CloseWatch or FaultKind.WatchGone or FaultKind.WatchGarbageLine or FaultKind.WatchEndlessLine => $"{Kind} after {AfterEvents} events",
        _ => Kind.ToString(),
    };

    private static int NotNegative(int value) => value < 0 ? throw new ArgumentOutOfRangeException(nameof(value)) : value;
}

/// <summary>
/// One rule of a <see cref="FaultProxy"/>: a fault for the next <see cref="Remaining"/> requests that
/// match its predicate. Rules are tried in the order they were added; the first that matches and
/// has uses left takes the request.
/// </summary>
public sealed class FaultRule
{
    private readonly FaultProxy _proxy;
    private int _remaining;
    private int _applied;

    internal FaultRule(FaultProxy proxy, Fault fault, Func<ProxiedRequest, bool>? when, int times)
    {
        _proxy = proxy;
        Fault = fault;
        When = when;
        _remaining = times;
    }

    public Fault Fault { get; }

    internal Func<ProxiedRequest, bool>? When { get; }

    /// <summary>Uses left (int.MaxValue: every matching request until removed).</summary>
    public int Remaining => Volatile.Read(ref _remaining);

    /// <summary>How many requests this rule has taken.</summary>
    public int Applied => Volatile.Read(ref _applied);

    /// <summary>Stops the rule (requests already held stay held until <see cref="FaultProxy.ReleaseHeld"/>).</summary>
    public void Remove() => _proxy.Remove(this);

    /// <summary>Takes one use if the request matches; called under the proxy's lock.</summary>
    internal bool TryTake(ProxiedRequest request)
    {
        if (_remaining <= 0 || (Fault.WatchOnly && !request.IsWatch) || (When is not null && !When(request))) return false;
        if (_remaining != int.MaxValue) _remaining--;
        _applied++;
        return true;
    }

    public override string ToString() => $"{Fault} ({Applied} applied, {(Remaining == int.MaxValue ? "no limit" : Remaining + " left")})";
}

/// <summary>How an exchange through the fault proxy ended.</summary>
public enum ProxiedOutcome
{
    /// <summary>Still being answered (or held).</summary>
    InProgress,

    /// <summary>The client got a whole answer (<see cref="ProxiedRequest.Status"/>).</summary>
    Answered,

    /// <summary>The proxy closed or reset the connection (Drop, ResetMidBody, refusing, disposing).</summary>
    ClosedByProxy,

    /// <summary>The client closed the connection before the answer was complete (it gave up or cancelled).</summary>
    ClosedByClient,
}

/// <summary>
/// A request the fault proxy received, and what became of it. The fields fill in as it proceeds;
/// <see cref="Status"/>, <see cref="Outcome"/> and <see cref="CompletedAt"/> are set before the last
/// byte goes out, so once a client has its whole answer (or its reset) the record says so.
/// </summary>
public sealed class ProxiedRequest
{
    private int _status;
    private int _outcome;
    private long _completedAtTicks;

    internal ProxiedRequest(string method, string target, bool hadBearerToken)
    {
        Method = method;
        Target = target;
        var q = target.IndexOf('?');
        Path = q < 0 ? target : target[..q];
        Query = q < 0 ? string.Empty : target[(q + 1)..];
        HadBearerToken = hadBearerToken;
        IsWatch = QueryValue("watch") is "true" or "1" || Path.Contains("/watch/", StringComparison.Ordinal);
        ReceivedAt = DateTimeOffset.UtcNow;
    }

    public string Method { get; }

    /// <summary>Path and query as the client sent them.</summary>
    public string Target { get; }

    public string Path { get; }

    /// <summary>The query without '?' (empty when none).</summary>
    public string Query { get; }

    /// <summary>A watch: ?watch=true (or 1), or a /watch/ path.</summary>
    public bool IsWatch { get; }

    /// <summary>The request carried an Authorization header (the client sent its credential to the proxy).</summary>
    public bool HadBearerToken { get; }

    public DateTimeOffset ReceivedAt { get; }

    /// <summary>The fault applied; null when no rule matched (passed through).</summary>
    public Fault? Fault { get; internal set; }

    /// <summary>The status the client was sent; null when it got no status line.</summary>
    public int? Status => Volatile.Read(ref _status) is var s and > 0 ? s : null;

    public ProxiedOutcome Outcome => (ProxiedOutcome)Volatile.Read(ref _outcome);

    /// <summary>When the exchange ended; null while in progress.</summary>
    public DateTimeOffset? CompletedAt => Volatile.Read(ref _completedAtTicks) is var t and > 0 ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    /// <summary>A query parameter's value (URL-decoded), null when absent.</summary>
    public string? QueryValue(string name)
    {
        foreach (var pair in Query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            var key = Uri.UnescapeDataString(eq < 0 ? pair : pair[..eq]);
            if (key == name) return eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..].Replace('+', ' '));
        }

        return null;
    }

    internal void SetStatus(int status) => Volatile.Write(ref _status, status);

    internal void Complete(ProxiedOutcome outcome)
    {
        if (Interlocked.CompareExchange(ref _outcome, (int)outcome, (int)ProxiedOutcome.InProgress) == (int)ProxiedOutcome.InProgress)
        {
            Volatile.Write(ref _completedAtTicks, DateTimeOffset.UtcNow.UtcTicks);
        }
    }

    public override string ToString() =>
        $"{ReceivedAt:HH:mm:ss.fff} {Method} {Target} -> {(Fault is null ? "passed" : Fault.ToString())}, {Status?.ToString() ?? "no status"}, {Outcome}";
}
