namespace MeshCluster.Engine.Http;

/// <summary>
/// Runs several <see cref="ListWatch"/> loops (one per kind) that feed one shared evaluator,
/// and ends them together: as soon as any loop's evaluation says done, when the first times out,
/// or when one fails. Each loop gets a token that this group cancels to stop it.
/// </summary>
public static class ListWatchGroup
{
    /// <param name="loops">Each returns Done from its ListWatch.UntilAsync (false: timed out).</param>
    /// <returns>True when a loop finished done; false on timeout.</returns>
    public static async Task<bool> UntilAnyAsync(IReadOnlyList<Func<CancellationToken, Task<bool>>> loops, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = loops.Select(loop => Task.Run(() => loop(stop.Token), CancellationToken.None)).ToList();

        var first = await Task.WhenAny(running).ConfigureAwait(false);
        stop.Cancel();

        // Let the other loops end (their watches are cancelled) so none reports after we return.
        foreach (var other in running.Where(t => t != first))
        {
            try
            {
                await other.ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // stopped by us
            }
            catch (Exception) when (first.IsFaulted || first.IsCanceled || cancellationToken.IsCancellationRequested)
            {
                // the first outcome is the one to report
            }
        }

        return await first.ConfigureAwait(false);
    }
}
