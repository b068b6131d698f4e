using k8s;
using k8s.Models;

namespace MeshCluster.Engine.Http;

/// <summary>Starts a watch of the listed objects from a resourceVersion, for at most the given seconds (KubernetesClient's WatchList*Async).</summary>
public delegate IAsyncEnumerable<(WatchEventType Type, T Object)> WatchFrom<T>(IKubernetes client, string resourceVersion, int seconds,
    Action<Exception> onError, CancellationToken cancellationToken);

/// <summary>
/// Waits on a set of objects the way an informer does: list, then watch from the list's
/// resourceVersion, judging the state after every event; on 410 Gone, a watch error or a dropped
/// connection it lists again. Event-driven, so a change is seen as soon as the server sends it.
/// </summary>
public static class ListWatch
{
    /// <summary>The longest a single watch request stays open; below HttpClient's 100 s timeout.</summary>
    private static readonly TimeSpan MaxWatchSpan = TimeSpan.FromSeconds(55);

    /// <param name="list">Lists the objects (the list's resourceVersion is where the watch starts).</param>
    /// <param name="watch">Watches the same objects.</param>
    /// <param name="evaluate">Judges the current objects: Done ends the wait; State is kept for the caller.</param>
    /// <returns>Done false when <paramref name="timeout"/> passed first, with the last state seen.</returns>
    public static async Task<(bool Done, TState? State)> UntilAsync<T, TList, TState>(
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

        try
        {
            while (true)
            {
                var listed = await KubeApi.CallAsync(connection, what, c => list(c.Client, c.Token), token).ConfigureAwait(false);
                var items = new Dictionary<string, T>(StringComparer.Ordinal);
                foreach (var item in listed.Items) items[Key(item)] = item;
                last = evaluate(items.Values);
                if (last.Done) return last;

                var resourceVersion = listed.Metadata?.ResourceVersion ?? string.Empty;
                var seconds = (int)Math.Clamp((ends - DateTime.UtcNow).TotalSeconds + 1, 1, MaxWatchSpan.TotalSeconds);
                reporter.Debug($"Watching from resourceVersion {resourceVersion} for up to {seconds} s while {what}.");
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
                        if (last.Done) return last;
                    }

                    reporter.Debug(watchError switch
                    {
                        KubernetesException { Status.Code: 410 } => "The watch's resourceVersion is too old (410 Gone); listing again.",
                        KubernetesException k => $"The watch answered an error ({k.Status?.Code} {k.Status?.Reason}); listing again.",
                        { } e => $"The watch ended ({e.GetType().Name}); listing again.",
                        null => "The watch ended; listing again.",
                    });
                }
                catch (k8s.Autorest.HttpOperationException ex) when (ex.Response?.StatusCode == System.Net.HttpStatusCode.Gone)
                {
                    reporter.Debug("The watch's resourceVersion is too old (410 Gone); listing again.");
                }
                catch (k8s.Autorest.HttpOperationException ex)
                {
                    throw KubeApi.Translate(connection, what, ex.Response?.StatusCode ?? 0, ex.Response?.Content);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException && !token.IsCancellationRequested)
                {
                    reporter.Debug($"The watch connection dropped ({ex.Message}); listing again.");
                    await Task.Delay(TimeSpan.FromMilliseconds(200), token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, last.State);
        }
    }

    /// <summary>
    /// <see cref="UntilAsync{T,TList,TState}"/> for one object by name (field selector <c>metadata.name</c>):
    /// <paramref name="done"/> sees the object, or null while it does not exist.
    /// </summary>
    /// <param name="list">Lists with the given field selector.</param>
    /// <param name="watch">Watches with the given field selector.</param>
    /// <returns>Done false on timeout; the object as last seen (null: absent).</returns>
    public static Task<(bool Done, T? Object)> UntilObjectAsync<T, TList>(
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
}
