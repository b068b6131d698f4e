using k8s;
using MeshCluster.TestGround;

namespace MeshCluster.Benchmarks;

/// <summary>
/// Group "fanout": onboarding 1 remote vs 20 through Publish-IstioRemoteSecret, the remotes 25 ms away
/// in each direction (LatencyProxy in front of cluster2; 20 contexts through it). The remote's server
/// as the contexts name it, the proxy, is what the Secret's kubeconfig gets (no -Server), so the check
/// of the new kubeconfig also crosses the proxy. Every run publishes to fresh Secrets (the previous
/// run's are deleted first), so each result is Created. Two sets of runs: with a new kubeconfig file
/// per run (first contact: a new client and TLS connection per remote, as onboarding is), and with one
/// kubeconfig whose clients the session already holds (kept-alive connections).
/// </summary>
internal static class FanOutGroup
{
    private const string G = "fanout";
    private static readonly TimeSpan OneWay = TimeSpan.FromMilliseconds(25);

    private const string Script = """
        $args[0] | ForEach-Object { [pscustomobject]@{ Context = $_; Name = $_ } } |
            Publish-IstioRemoteSecret -KubeConfig $args[1] -PrimaryContext cluster1 -Namespace $args[2] -ThrottleLimit $args[3] -ErrorAction Stop
        """;

    private sealed record Variant(string Name, int Remotes, int ThrottleLimit, bool NewKubeConfig)
    {
        public Samples Ms { get; } = new();
        public Samples Connections { get; } = new();
    }

    public static async Task RunAsync(Ground ground, Session session, BenchOptions options, Report report)
    {
        var runs = options.RunsOr(full: 5, quick: 2);
        var before = OwnMemory.WorkingSetMiB();
        var peakReset = OwnMemory.ResetPeak();
        var ns = Ground.Unique("bench-fan");
        await ground.Cluster1.EnsureNamespaceAsync(ns);
        await ground.Cluster2.EnsureNamespaceAsync(ns);
        await using var far = LatencyProxy.Start(ground.Cluster2, OneWay);
        var names = Enumerable.Range(1, 20).Select(i => $"far-{i:00}").ToArray();

        // Warm-up: one publish (creating the reader service account, once, for every later run), then all
        // 20 through the kubeconfig the "clients cached" runs use, so its clients exist.
        Publish(session, ground, far.WriteKubeConfig(new[] { "far-warm" }), new[] { "far-warm" }, ns, 1, createServiceAccount: true);
        var cachedKubeConfig = far.WriteKubeConfig(names);
        await DeleteSecretsAsync(ground, ns);
        Publish(session, ground, cachedKubeConfig, names, ns, 20, createServiceAccount: false);

        var variants = new[]
        {
            new Variant("1 remote, new kubeconfig", 1, 8, true),
            new Variant("20 remotes, -ThrottleLimit 20, new kubeconfig", 20, 20, true),
            new Variant("20 remotes, -ThrottleLimit 8 (default), new kubeconfig", 20, 8, true),
            new Variant("20 remotes, -ThrottleLimit 1 (one after the other), new kc", 20, 1, true),
            new Variant("1 remote, clients cached in the session", 1, 8, false),
            new Variant("20 remotes, -ThrottleLimit 20, clients cached", 20, 20, false),
        };
        for (var rep = 0; rep < runs; rep++)
        {
            for (var i = 0; i < variants.Length; i++)
            {
                var v = variants[(i + rep) % variants.Length];
                var contexts = names.Take(v.Remotes).ToArray();
                var kubeConfig = v.NewKubeConfig ? far.WriteKubeConfig(contexts) : cachedKubeConfig;
                await DeleteSecretsAsync(ground, ns);
                var connections = far.Connections;
                v.Ms.Add(Publish(session, ground, kubeConfig, contexts, ns, v.ThrottleLimit, createServiceAccount: false));
                v.Connections.Add(far.Connections - connections);
            }

            Console.WriteLine($"  fanout: repetition {rep + 1}/{runs}");
        }

        await DeleteSecretsAsync(ground, ns);
        foreach (var v in variants)
        {
            report.Add(new Row(G, v.Name, v.Ms, Note: $"new TLS connections through the proxy per run: {v.Connections.Median:0}"));
        }

        report.Note($"fanout: remotes are cluster2 behind a LatencyProxy ({OneWay.TotalMilliseconds:0} ms each way, TLS passed through); no -Server, so the Secret " +
                    "names the proxy and Publish-IstioRemoteSecret's check of the new kubeconfig crosses it too; the reader service account was created " +
                    "by the warm-up; each run's 20 Secrets are new (Created); in this process's hosted engine, after a warm-up call.");
        report.Note($"fanout: {OwnMemory.Describe(before, peakReset)} (includes the latency proxy, which runs in this process)");

        var (one, twenty, sequential, cachedOne, cachedTwenty) = (variants[0], variants[1], variants[3], variants[4], variants[5]);
        var ratio = twenty.Ms.Median / one.Ms.Median;
        report.Ratio($"20 remotes at once / 1 remote = {Report.X(ratio)} (medians; {Report.X(twenty.Ms.Min / one.Ms.Min)} on minimums); " +
                     $"clients cached: {Report.X(cachedTwenty.Ms.Median / cachedOne.Ms.Median)}");
        report.Ratio($"20 one after the other (-ThrottleLimit 1) / 20 at once = {Report.X(sequential.Ms.Median / twenty.Ms.Median)}");
        report.Goal("20 remotes 25 ms away, -ThrottleLimit 20, within 2x the wall time of one",
            $"{Report.X(ratio)} ({Report.Ms(twenty.Ms.Median)} vs {Report.Ms(one.Ms.Median)}, new kubeconfig; " +
            $"{Report.X(cachedTwenty.Ms.Median / cachedOne.Ms.Median)} with clients cached)", ratio <= 2);
    }

    /// <summary>One pipeline of Publish-IstioRemoteSecret over the contexts; checks every result is Created; returns its wall time.</summary>
    private static double Publish(Session session, Ground ground, string kubeConfig, string[] contexts, string ns, int throttleLimit, bool createServiceAccount)
    {
        var script = createServiceAccount ? Script.Replace("-ErrorAction Stop", "-CreateServiceAccount -ErrorAction Stop", StringComparison.Ordinal) : Script;
        var (output, ms, _) = session.Run(script, new object[] { contexts, kubeConfig, ns, throttleLimit }, null, null);
        var created = output.Count(o => o.Prop("Action") == "Created");
        if (output.Count != contexts.Length || created != contexts.Length)
        {
            throw new InvalidOperationException($"fanout: {contexts.Length} remotes gave {output.Count} results, {created} Created");
        }

        return ms;
    }

    /// <summary>Deletes the remote secrets the runs published in the primary, so the next run creates them again.</summary>
    private static async Task DeleteSecretsAsync(Ground ground, string ns)
    {
        const string selector = "istio/multiCluster=true";
        await ground.Cluster1.Admin.CoreV1.DeleteCollectionNamespacedSecretAsync(ns, labelSelector: selector);
        for (var i = 0; i < 100 && (await ground.Cluster1.Admin.CoreV1.ListNamespacedSecretAsync(ns, labelSelector: selector)).Items.Count > 0; i++)
        {
            await Task.Delay(20);
        }
    }
}
