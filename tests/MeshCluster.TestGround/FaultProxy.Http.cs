using System.Text;

namespace MeshCluster.TestGround;

/// <summary>The head of an HTTP/1.1 request as the client sent it.</summary>
internal sealed record HttpRequestHead(string Method, string Target, IReadOnlyList<(string Name, string Value)> Headers)
{
    public string? Header(string name) => Headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    public bool WantsClose => Header("Connection")?.Contains("close", StringComparison.OrdinalIgnoreCase) == true;
}

/// <summary>
/// The server side of a minimal HTTP/1.1 connection: reads request heads and bodies (Content-Length
/// or chunked) from a buffered stream, and tells when the client closes while an answer is pending
/// (one read stays outstanding; an HTTP/1.1 client sends nothing more until it has its answer).
/// </summary>
internal sealed class HttpRequestReader(Stream stream)
{
    private const int MaxHead = 64 * 1024;
    private const int MaxBody = 16 * 1024 * 1024;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private Task<int>? _pending;

    /// <summary>The next request's head; null when the client closed the connection between requests.</summary>
    public async Task<HttpRequestHead?> ReadHeadAsync()
    {
        int headEnd;
        while ((headEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            if (_end - _start > MaxHead) throw new InvalidDataException("request head too long");
            if (!await FillAsync().ConfigureAwait(false))
            {
                if (_end == _start) return null;
                throw new InvalidDataException("connection closed inside a request head");
            }
        }

        var lines = Encoding.ASCII.GetString(_buffer, _start, headEnd).Split("\r\n");
        _start += headEnd + 4;
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
        {
            throw new InvalidDataException("not an HTTP/1.x request line");
        }

        var headers = new List<(string, string)>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new InvalidDataException("malformed header line");
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        return new HttpRequestHead(requestLine[0], requestLine[1], headers);
    }

    /// <summary>The request's body (empty when it has none).</summary>
    public async Task<byte[]> ReadBodyAsync(HttpRequestHead head)
    {
        if (head.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            var body = new MemoryStream();
            while (true)
            {
                var sizeLine = await ReadLineAsync().ConfigureAwait(false);
                var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
                if (size == 0) break;
                if (body.Length + size > MaxBody) throw new InvalidDataException("request body too large");
                body.Write(await ReadExactAsync(size).ConfigureAwait(false));
                await ReadLineAsync().ConfigureAwait(false);
            }

            while ((await ReadLineAsync().ConfigureAwait(false)).Length > 0)
            {
                // Trailers: none that matter here.
            }

            return body.ToArray();
        }

        var length = long.TryParse(head.Header("Content-Length"), out var l) ? l : 0;
        if (length is < 0 or > MaxBody) throw new InvalidDataException("bad Content-Length");
        return await ReadExactAsync((int)length).ConfigureAwait(false);
    }

    /// <summary>True once the client has closed the connection (or it failed); false if it sent data instead.</summary>
    public async Task<bool> ClosedAsync()
    {
        try
        {
            return await PendingRead().ConfigureAwait(false) == 0;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>The client has already closed the connection (or it failed under it), as far as reads have seen.</summary>
    public bool HasClosed => _pending is { IsCompleted: true } read && (!read.IsCompletedSuccessfully || read.Result == 0);

    private Task<int> PendingRead()
    {
        if (_pending is null)
        {
            if (_start == _end) _start = _end = 0;
            if (_end == _buffer.Length)
            {
                if (_start > 0)
                {
                    Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                    _end -= _start;
                    _start = 0;
                }
                else
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
            }

            _pending = stream.ReadAsync(_buffer.AsMemory(_end)).AsTask();
        }

        return _pending;
    }

    private async Task<bool> FillAsync()
    {
        int read;
        try
        {
            read = await PendingRead().ConfigureAwait(false);
        }
        finally
        {
            _pending = null;
        }

        _end += read;
        return read > 0;
    }

    private async Task<string> ReadLineAsync()
    {
        int eol;
        while ((eol = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
        {
            if (_end - _start > MaxHead) throw new InvalidDataException("line too long");
            if (!await FillAsync().ConfigureAwait(false)) throw new InvalidDataException("connection closed inside a body");
        }

        var line = Encoding.ASCII.GetString(_buffer, _start, eol);
        _start += eol + 2;
        return line;
    }

    private async Task<byte[]> ReadExactAsync(int count)
    {
        var result = new byte[count];
        var done = 0;
        while (done < count)
        {
            if (_start == _end && !await FillAsync().ConfigureAwait(false)) throw new InvalidDataException("connection closed inside a body");
            var take = Math.Min(count - done, _end - _start);
            Buffer.BlockCopy(_buffer, _start, result, done, take);
            _start += take;
            done += take;
        }

        return result;
    }
}

/// <summary>Writes HTTP/1.1 answers: a head, then a body with Content-Length or in chunks.</summary>
internal static class HttpAnswer
{
    public static async Task WriteHeadAsync(Stream stream, int status, string? reason, IEnumerable<(string Name, string Value)> headers)
    {
        var head = new StringBuilder($"HTTP/1.1 {status} {reason ?? Reason(status)}\r\n");
        foreach (var (name, value) in headers) head.Append(name).Append(": ").Append(value).Append("\r\n");
        head.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString())).ConfigureAwait(false);
    }

    /// <summary>A whole answer with a body of known length.</summary>
    public static async Task WriteAsync(Stream stream, int status, string contentType, byte[] body, params (string Name, string Value)[] extra)
    {
        var headers = new List<(string, string)> { ("Content-Type", contentType), ("Content-Length", body.Length.ToString()) };
        headers.AddRange(extra);
        await WriteHeadAsync(stream, status, null, headers).ConfigureAwait(false);
        await stream.WriteAsync(body).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    public static async Task WriteChunkAsync(Stream stream, ReadOnlyMemory<byte> data)
    {
        if (data.IsEmpty) return; // an empty chunk would end the body
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{data.Length:x}\r\n")).ConfigureAwait(false);
        await stream.WriteAsync(data).ConfigureAwait(false);
        await stream.WriteAsync("\r\n"u8.ToArray()).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    public static async Task WriteLastChunkAsync(Stream stream)
    {
        await stream.WriteAsync("0\r\n\r\n"u8.ToArray()).ConfigureAwait(false);
        await stream.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>A Kubernetes Status object, as the API server sends with an error.</summary>
    public static string StatusJson(int code, string reason, string message, int? retryAfterSeconds = null) =>
        "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"" + message + "\",\"reason\":\"" + reason + "\"," +
        (retryAfterSeconds is { } s ? "\"details\":{\"retryAfterSeconds\":" + s + "}," : string.Empty) + "\"code\":" + code + "}";

    /// <summary>The Status reason the API server gives with a code.</summary>
    public static string StatusReason(int code) => code switch
    {
        410 => "Expired",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        >= 500 => "InternalError",
        _ => "BadRequest",
    };

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => ((System.Net.HttpStatusCode)status).ToString(),
    };
}
