using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.Http;

/// <summary>
/// Waits on a set of objects the way an informer does: list, then watch from the list's
/// resourceVersion, judging the state after every event; on 410 Gone, a watch error or a dropped
/// connection it lists again. Event-driven, so a change is seen as soon as the server sends it.
/// </summary>
public static class ListWatch
{
    /// <summary>The longest a single watch request stays open; below HttpClient's 100 s timeout.</summary>
    private static readonly TimeSpan MaxWatchSpan = TimeSpan.FromSeconds(55);

    /// <param name="list">Lists the objects (the call sets the resourceVersion to watch from).</param>
    /// <param name="watch">Starts a watch of the same objects from a resourceVersion, ending after the given seconds.</param>
    /// <param name="evaluate">Judges the current objects: Done ends the wait; State is kept for the caller.</param>
    /// <returns>Done false when <paramref name="timeout"/> passed first, with the last state seen.</returns>
    public static async Task<(bool Done, TState? State)> UntilAsync<T, TList, TState>(
        KubeConnection connection,
        string what,
        Func<IKubernetes, CancellationToken, Task<TList>> list,
        Func<IKubernetes, string, int, CancellationToken, Task<HttpOperationResponse<TList>>> watch,
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
                    Exception? watchError = null;
                    var events = watch(connection.Client, resourceVersion, seconds, token).WatchAsync<T, TList>(e => watchError = e, token);
                    await foreach (var (type, obj) in events.ConfigureAwait(false))
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

                    if (watchError is not null) reporter.Debug($"The watch ended ({watchError.GetType().Name}); listing again.");
                }
                catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Gone)
                {
                    reporter.Debug("The watch's resourceVersion is too old (410 Gone); listing again.");
                }
                catch (HttpOperationException ex)
                {
                    throw KubeApi.Translate(connection, what, ex.Response?.StatusCode ?? 0, ex.Response?.Content);
                }
                catch (KubernetesException ex) when (!token.IsCancellationRequested)
                {
                    reporter.Debug($"The watch answered an error ({ex.Status?.Code} {ex.Status?.Reason}); listing again.");
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

    private static string Key<T>(T item) where T : IKubernetesObject<V1ObjectMeta> =>
        item.Metadata?.Uid ?? $"{item.Metadata?.NamespaceProperty}/{item.Metadata?.Name}";

}
