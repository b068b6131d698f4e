using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace MeshCluster.TestGround;

/// <summary>The faults that spoil an answer from the API server: watch faults and a reset mid-body.</summary>
public sealed partial class FaultProxy
{
    private static readonly byte[] GarbageLine = "this line is not JSON {{\n"u8.ToArray();

    /// <summary>Passes watch events (one JSON line each) through until the fault's turn, then plays it.</summary>
    private static async Task SpoilWatchAsync(Stream client, Stream upstream, Fault fault, CancellationToken ct)
    {
        var events = 0;
        var struck = false;
        var pending = new MemoryStream();
        var buffer = new byte[16 * 1024];
        while (true)
        {
            if (!struck && events == fault.AfterEvents)
            {
                struck = true;
                if (await StrikeAsync(client, fault).ConfigureAwait(false)) return;
            }

            var read = await upstream.ReadAsync(buffer, ct).ConfigureAwait(false);
            if (read == 0) return; // the API server ended the watch first
            pending.Write(buffer, 0, read);
            var data = pending.ToArray();
            var start = 0;
            int newline;
            while ((newline = Array.IndexOf(data, (byte)'\n', start)) >= 0)
            {
                if (!struck && events == fault.AfterEvents)
                {
                    struck = true;
                    if (await StrikeAsync(client, fault).ConfigureAwait(false)) return;
                }

                await HttpAnswer.WriteChunkAsync(client, data.AsMemory(start, newline + 1 - start)).ConfigureAwait(false);
                events++;
                start = newline + 1;
            }

            pending.SetLength(0);
            pending.Write(data, start, data.Length - start);
        }
    }

    /// <summary>Plays a watch fault; true when it ends the stream.</summary>
    private static async Task<bool> StrikeAsync(Stream client, Fault fault)
    {
        switch (fault.Kind)
        {
            case FaultKind.WatchGone:
                var error = "{\"type\":\"ERROR\",\"object\":" +
                    HttpAnswer.StatusJson(410, "Expired", "too old resource version: 1 (2) (played by the fault proxy)") + "}\n";
                await HttpAnswer.WriteChunkAsync(client, Encoding.UTF8.GetBytes(error)).ConfigureAwait(false);
                return true;
            case FaultKind.WatchGarbageLine:
                await HttpAnswer.WriteChunkAsync(client, GarbageLine).ConfigureAwait(false);
                return false;
            case FaultKind.WatchEndlessLine:
                // An event that starts like one and never ends: the client must stop reading it, the proxy never does.
                await HttpAnswer.WriteChunkAsync(client, "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"metadata\":{\"name\":\""u8.ToArray()).ConfigureAwait(false);
                var endless = new byte[64 * 1024];
                Array.Fill(endless, (byte)'x');
                while (true) await HttpAnswer.WriteChunkAsync(client, endless).ConfigureAwait(false);
            default: // CloseWatch
                return true;
        }
    }

    /// <summary>
    /// Sends the head and part of the body, then resets the connection: of a body with a length, the
    /// given bytes or half (never all); of a chunked one, a chunk that claims what the first read(s) got
    /// and carries only part of it (nothing read nor sent when 0 bytes are asked for).
    /// </summary>
    private static async Task ResetMidBodyAsync(Socket socket, SslStream client, Stream upstream, List<(string, string)> headers, int status,
        string? reason, long? length, int? afterBytes, ProxiedRequest request, CancellationToken ct)
    {
        headers.Add(length is { } l ? ("Content-Length", l.ToString()) : ("Transfer-Encoding", "chunked"));
        await HttpAnswer.WriteHeadAsync(client, status, reason, headers).ConfigureAwait(false);

        // All of a body with a length; of a stream, at least the bytes asked for (or one read).
        var wanted = length is { } total ? (int)Math.Min(total, 16 * 1024 * 1024) : afterBytes ?? 1;
        var data = new byte[Math.Max(wanted, 16 * 1024)];
        var got = 0;
        while (got < wanted)
        {
            var read = await upstream.ReadAsync(data.AsMemory(got), ct).ConfigureAwait(false);
            if (read == 0) break;
            got += read;
        }

        var send = Math.Min(afterBytes ?? got / 2, Math.Max(0, got - 1));
        if (length is null && got > 0) await client.WriteAsync(Encoding.ASCII.GetBytes($"{got:x}\r\n"), ct).ConfigureAwait(false);
        await client.WriteAsync(data.AsMemory(0, send), ct).ConfigureAwait(false);
        await client.FlushAsync(ct).ConfigureAwait(false);
        // A moment for the client to read what it got: a reset arriving with the data may discard it (Windows does).
        await Task.Delay(50, ct).ConfigureAwait(false);
        request.Complete(ProxiedOutcome.ClosedByProxy);
        Reset(socket);
    }
}
