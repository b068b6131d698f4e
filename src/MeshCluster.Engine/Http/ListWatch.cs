using System.Management.Automation;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Http;

/// <summary>Starts a watch of the listed objects from a resourceVersion, for at most the given seconds (KubernetesClient's WatchList*Async).</summary>
public delegate IAsyncEnumerable<(WatchEventType Type, T Object)> WatchFrom<T>(IKubernetes client, string resourceVersion, int seconds,
    Action<Exception> onError, CancellationToken cancellationToken);

/// <summary>How a wait ended: Done, or not (its time ran out) with the last state seen.</summary>
/// <param name="Listed">Whether any list succeeded: false means the API server could not be read during the whole wait.</param>
/// <param name="LastFailure">The last passing failure (unreachable, 5xx, 429) that was waited out, if any.</param>
public readonly record struct WaitOutcome<TState>(bool Done, TState? State, bool Listed, MeshClusterException? LastFailure);

/// <summary>
/// Waits on a set of objects the way an informer does: list, then watch from the list's
/// resourceVersion, judging the state after every event; on 410 Gone, a watch error or a dropped
/// connection it lists again. Event-driven, so a change is seen as soon as the server sends it.
/// It lasts until its deadline, and not past it: while the API server is unreachable, refuses
/// connections, answers 5xx or 429, or drops the watch, it lists again with capped backoff (saying so
/// in Verbose); every request carries the time left, so a server that hangs cannot stretch the wait.
/// </summary>
public static class ListWatch
{
    /// <summary>The longest a single watch request stays open; below HttpClient's 100 s timeout.</summary>
    private static readonly TimeSpan MaxWatchSpan = TimeSpan.FromSeconds(55);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>A watch that ends sooner than this after it started counts as a failure, so relisting stays at a bounded rate.</summary>
    private static readonly TimeSpan ShortWatch = TimeSpan.FromSeconds(1);

    /// <param name="list">Lists the objects (the list's resourceVersion is where the watch starts).</param>
    /// <param name="watch">Watches the same objects.</param>
    /// <param name="evaluate">Judges the current objects: Done ends the wait; State is kept for the caller.</param>
    /// <returns>Done false when <paramref name="timeout"/> passed first, with the last state seen.</returns>
    public static async Task<WaitOutcome<TState>> UntilAsync<T, TList, TState>(
        KubeConnection connection,
        string what,
        Func<IKubernetes, CancellationToken, Task<TList>> list,
        WatchFrom<T> watch,
        Func<IReadOnlyCollection<T>, (bool Done, TState State)> evaluate,
        TimeSpan timeout,
        IOperationReporter reporter,
        CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var token = deadline.Token;
        var ends = DateTime.UtcNow + timeout;
        (bool Done, TState? State) last = (false, default);
        var listed = false;
        MeshClusterException? lastFailure = null;
        var failures = 0;

        try
        {
            while (true)
            {
                TList items0;
                try
                {
                    items0 = await KubeApi.CallAsync(connection, what, c => list(c.Client, c.Token), token).ConfigureAwait(false);
                }
                catch (MeshClusterException ex) when (KubeApi.IsPassing(ex))
                {
                    lastFailure = ex;
                    var delay = Backoff(failures++, ends);
                    reporter.Verbose($"Waiting out a failure of the API server of context '{connection.ContextName}' while {what}: " +
                                     $"{ex.Message.TrimEnd('.')}. Trying again in {delay.TotalSeconds:0.#} s; the wait ends in {Math.Max(0, (ends - DateTime.UtcNow).TotalSeconds):0} s.");
                    await Task.Delay(delay, token).ConfigureAwait(false);
                    continue;
                }

                listed = true;
                var items = new Dictionary<string, T>(StringComparer.Ordinal);
                foreach (var item in items0.Items) items[Key(item)] = item;
                last = evaluate(items.Values);
                if (last.Done) return new(true, last.State, true, lastFailure);

                var resourceVersion = items0.Metadata?.ResourceVersion ?? string.Empty;
                var seconds = (int)Math.Clamp((ends - DateTime.UtcNow).TotalSeconds + 1, 1, MaxWatchSpan.TotalSeconds);
                reporter.Debug($"Watching from resourceVersion {resourceVersion} for up to {seconds} s while {what}.");
                var started = DateTime.UtcNow;
                string ended;
                try
                {
                    // The stream reports a Status event (410 Gone among them) or an unreadable line here and goes on;
                    // the server closes it after an error, and the loop lists again.
                    Exception? watchError = null;
                    await foreach (var (type, obj) in watch(connection.Client, resourceVersion, seconds, e => watchError ??= e, token).ConfigureAwait(false))
                    {
                        switch (type)
                        {
                            case WatchEventType.Added:
                            case WatchEventType.Modified:
                                items[Key(obj)] = obj;
                                break;
                            case WatchEventType.Deleted:
                                items.Remove(Key(obj));
                                break;
                            default:
                                continue; // bookmarks carry no change
                        }

                        last = evaluate(items.Values);
                        if (last.Done) return new(true, last.State, true, lastFailure);
                    }

                    ended = watchError switch
                    {
                        KubernetesException { Status.Code: 410 } => "the watch's resourceVersion is too old (410 Gone)",
                        KubernetesException k => $"the watch answered an error ({k.Status?.Code} {k.Status?.Reason})",
                        { } e => $"the watch stream could not be read ({e.GetType().Name})",
                        null => "the watch ended",
                    };
                }
                catch (Exception ex) when (ExceptionChain.Find<ResponseTooLargeException>(ex) is { } tooLarge)
                {
                    // A line without end (issue 20, point 4): it would come again on the next watch, so the wait ends here.
                    throw KubeApi.TooLarge(connection, what, tooLarge);
                }
                catch (k8s.Autorest.HttpOperationException ex) when (ex.Response?.StatusCode == System.Net.HttpStatusCode.Gone)
                {
                    ended = "the watch's resourceVersion is too old (410 Gone)";
                }
                catch (k8s.Autorest.HttpOperationException ex) when (ex.Response is null || !TransientRetryHandler.IsTransient(ex.Response.StatusCode))
                {
                    throw KubeApi.Translate(connection, what, ex.Response?.StatusCode ?? 0, ex.Response?.Content);
                }
                catch (System.Text.Json.JsonException) when (!token.IsCancellationRequested)
                {
                    // KubernetesClient reads a watch's first line itself: a garbled one surfaces here, not in onError.
                    ended = "the watch stream could not be read (JsonException)";
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or k8s.Autorest.HttpOperationException && !token.IsCancellationRequested)
                {
                    ended = $"the watch connection dropped ({ex.Message.TrimEnd('.')})";
                }

                // A watch that ran its course resets the backoff; one that failed at once counts as a failure.
                failures = DateTime.UtcNow - started < ShortWatch ? failures + 1 : 0;
                var pause = failures == 0 ? TimeSpan.Zero : Backoff(failures - 1, ends);
                reporter.Debug($"{char.ToUpperInvariant(ended[0])}{ended[1..]}; listing again{(pause > TimeSpan.Zero ? $" in {pause.TotalMilliseconds:0} ms" : string.Empty)}.");
                if (pause > TimeSpan.Zero) await Task.Delay(pause, token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // A timer may fire a moment before the clock says so: the wait lasts until its deadline, not nearly.
            var early = ends - DateTime.UtcNow;
            if (early > TimeSpan.Zero) await Task.Delay(early + TimeSpan.FromMilliseconds(1), cancellationToken).ConfigureAwait(false);
            return new(false, last.State, listed, lastFailure);
        }
    }

    /// <summary>Capped exponential backoff with jitter, never past the deadline.</summary>
    private static TimeSpan Backoff(int failures, DateTime ends)
    {
        var ms = Math.Min(MaxBackoff.TotalMilliseconds, FirstBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 10)));
        ms *= 0.8 + Random.Shared.NextDouble() * 0.4;
        var left = (ends - DateTime.UtcNow).TotalMilliseconds;
        return TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(ms, left)));
    }

    /// <summary>
    /// <see cref="UntilAsync{T,TList,TState}"/> for one object by name (field selector <c>metadata.name</c>):
    /// <paramref name="done"/> sees the object, or null while it does not exist.
    /// </summary>
    /// <param name="list">Lists with the given field selector.</param>
    /// <param name="watch">Watches with the given field selector.</param>
    /// <returns>Done false on timeout; the object as last seen (null: absent).</returns>
    public static Task<WaitOutcome<T?>> UntilObjectAsync<T, TList>(
        KubeConnection connection,
        string what,
        string name,
        Func<IKubernetes, string, CancellationToken, Task<TList>> list,
        Func<IKubernetes, string, string, int, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, T)>> watch,
        Func<T?, bool> done,
        TimeSpan timeout,
        IOperationReporter reporter,
        CancellationToken cancellationToken)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        var field = $"metadata.name={name}";
        return UntilAsync<T, TList, T?>(connection, what,
            (client, ct) => list(client, field, ct),
            (client, rv, seconds, onError, ct) => watch(client, field, rv, seconds, onError, ct),
            objects =>
            {
                var obj = objects.FirstOrDefault();
                return (done(obj), obj);
            },
            timeout, reporter, cancellationToken);
    }

    private static string Key<T>(T item) where T : IKubernetesObject<V1ObjectMeta> =>
        item.Metadata?.Uid ?? $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

    /// <summary>
    /// The error for a wait that never read the API server. With no failure seen (no refusal, no 5xx: the deadline simply came
    /// first), the server is asked for /version, for a second at most: when it answers, the -Timeout was too short
    /// (WaitTimeoutTooShort, issue 20, point 10: a -Timeout of 1 ms on a healthy server said KubeApiUnreachable); otherwise
    /// <see cref="NeverReached"/>.
    /// </summary>
    public static async Task<MeshClusterException> NeverReachedAsync(KubeConnection connection, string what, TimeSpan timeout, MeshClusterException? lastFailure,
        CancellationToken ct)
    {
        if (lastFailure is null && await KubeApi.AnswersAsync(connection, ct).ConfigureAwait(false))
        {
            return new MeshClusterException(ErrorIds.WaitTimeoutTooShort, ErrorCategory.OperationTimeout,
                $"The -Timeout of {Input.TimeoutRule.Text(timeout)} passed before the API server {connection.Server} of context '{connection.ContextName}' answered " +
                $"the first request while {what}. The server does answer (/version, asked right after): it is not unreachable; the -Timeout is too short.",
                target: connection.ContextName,
                recommendedAction: "Give a -Timeout of a few seconds at least: the wait's first request alone is a round trip to the API server.");
        }

        return NeverReached(connection, what, timeout, lastFailure);
    }

    /// <summary>The error for a wait that never read the API server: what kept it from it, and for how long.</summary>
    public static MeshClusterException NeverReached(KubeConnection connection, string what, TimeSpan timeout, MeshClusterException? lastFailure) =>
        new(ErrorIds.KubeApiUnreachable, ErrorCategory.OperationTimeout,
            $"The API server {connection.Server} of context '{connection.ContextName}' could not be read for the whole wait ({Input.TimeoutRule.Text(timeout)}) while {what}" +
            (lastFailure is null ? "." : $"; the last failure: {lastFailure.Message.TrimEnd('.')}."),
            target: connection.ContextName, inner: lastFailure);
}
