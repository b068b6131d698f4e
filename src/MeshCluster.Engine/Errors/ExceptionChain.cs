namespace MeshCluster.Engine.Errors;

/// <summary>Finding the cause that matters in a chain of wrapped exceptions (HttpClient's, KubernetesClient's, a task's).</summary>
internal static class ExceptionChain
{
    /// <summary>The first <typeparamref name="T"/> in <paramref name="ex"/> or its inner exceptions, an AggregateException's each in turn; null if none.</summary>
    public static T? Find<T>(Exception? ex) where T : Exception => ex switch
    {
        null => null,
        T found => found,
        AggregateException { InnerExceptions.Count: > 0 } all => all.InnerExceptions.Select(Find<T>).FirstOrDefault(f => f is not null),
        _ => Find<T>(ex.InnerException),
    };
}
