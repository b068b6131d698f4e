using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace MeshCluster.Benchmarks;

/// <summary>
/// Group "warm": a warm Get-IstioDiscoveryAddress in one session vs a raw HttpClient GET of the same
/// Service (same server, token and CA, on a kept-alive connection) and vs invoking an empty script in
/// the same runspace (the engine's own floor). After a warm-up, the three (and, for reference,
/// KubernetesClient's typed read) run interleaved in a rotating order, many iterations each.
/// </summary>
internal static class WarmCallGroup
{
    private const string G = "warm";
    private const int LoopCalls = 50;

    public static async Task RunAsync(Ground ground, Session session, BenchOptions options, Report report)
    {
        var iterations = options.Iterations ?? (options.Quick ? 60 : 300);
        var before = OwnMemory.WorkingSetMiB();
        var peakReset = OwnMemory.ResetPeak();
        var (ns, svc) = (Ground.GatewayNamespace, Ground.GatewayService);
        // The same text every time, as a user would type it (PowerShell caches the parsed script by its text).
        var call = $"Get-IstioDiscoveryAddress -KubeConfig {PowerShellHost.Quote(ground.KubeConfig)} -Context cluster1 -Namespace {ns} -ErrorAction Stop";
        var url = $"{ground.Cluster1.Server}/api/v1/namespaces/{ns}/services/{svc}";
        using var http = RawClient(await File.ReadAllTextAsync(ground.Cluster1.CaFile), ground.TokenOf("cluster1"));

        var first = session.Invoke(call);
        var address = first.Count == 1 ? first[0].Prop("Address") ?? first[0].ToString() : null;
        if (address is null || !address.Contains(Ground.Cluster1Address, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"warm: Get-IstioDiscoveryAddress returned {string.Join(", ", first)}");
        }

        var measures = new (string Key, Func<Task<double>> Run)[]
        {
            ("cmdlet", () => Task.FromResult(session.Time(call))),
            ("raw", async () =>
            {
                var stopwatch = Stopwatch.StartNew();
                using var response = await http.GetAsync(url).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                var ms = stopwatch.Elapsed.TotalMilliseconds;
                if (!response.IsSuccessStatusCode || !body.Contains(Ground.Cluster1Address, StringComparison.Ordinal)) throw new InvalidOperationException($"raw GET: {(int)response.StatusCode}");
                return ms;
            }),
            ("empty", () => Task.FromResult(session.Time(string.Empty))),
            ("typed", async () =>
            {
                var stopwatch = Stopwatch.StartNew();
                await ground.Cluster1.Admin.CoreV1.ReadNamespacedServiceAsync(svc, ns).ConfigureAwait(false);
                return stopwatch.Elapsed.TotalMilliseconds;
            }),
        };

        var warmUp = Math.Max(20, iterations / 10);
        var samples = measures.ToDictionary(m => m.Key, _ => new Samples());
        for (var i = -warmUp; i < iterations; i++)
        {
            for (var j = 0; j < measures.Length; j++)
            {
                var (key, run) = measures[(j + i + warmUp) % measures.Length];
                var ms = await run();
                if (i >= 0) samples[key].Add(ms);
            }
        }

        // Per call when a script makes many: no per-invocation engine cost, the cmdlet's own cost shows.
        var loop = $"foreach ($i in 1..{LoopCalls}) {{ $null = {call} }}";
        var perCall = new Samples();
        for (var i = 0; i < Math.Max(5, iterations / 20); i++) perCall.Add(session.Time(loop) / LoopCalls);

        var warm = report.Add(new Row(G, "warm call: Get-IstioDiscoveryAddress, same session", samples["cmdlet"], Note: $"after {warmUp} warm-up calls; goal: <= 1.5x (raw GET + empty script)"));
        var raw = report.Add(new Row(G, "raw HttpClient GET of the same Service, kept-alive", samples["raw"], Note: "same server, token, CA; body read as text"));
        var empty = report.Add(new Row(G, "empty script invoked in the same runspace", samples["empty"], Note: "the engine's own floor"));
        report.Add(new Row(G, "  for reference: KubernetesClient typed read, kept-alive", samples["typed"], Note: "the test ground's admin client"));
        report.Add(new Row(G, $"  for reference: per call in a script loop of {LoopCalls}", perCall, Note: "one invocation, time / calls"));
        report.Note($"warm: {OwnMemory.Describe(before, peakReset)} (in-session; the hosted engine, System.Management.Automation {Session.EngineVersion})");

        var ratio = warm.Ms.Median / (raw.Ms.Median + empty.Ms.Median);
        var ratioMin = warm.Ms.Min / (raw.Ms.Min + empty.Ms.Min);
        report.Ratio($"warm call / (raw GET + empty script) = {Report.X(ratio)} on medians ({Report.Ms(warm.Ms.Median)} / ({Report.Ms(raw.Ms.Median)} + {Report.Ms(empty.Ms.Median)})), {Report.X(ratioMin)} on minimums");
        report.Ratio($"warm call / raw GET alone = {Report.X(warm.Ms.Median / raw.Ms.Median)} on medians");
        report.Goal("warm call <= 1.5x (raw GET + empty script)", $"{Report.X(ratio)} (medians), {Report.X(ratioMin)} (minimums)", ratio <= 1.5);
    }

    /// <summary>A plain HttpClient that trusts only the cluster's CA and sends the admin token: no retries, no redaction, no model.</summary>
    private static HttpClient RawClient(string caPem, string token)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    if (certificate is not X509Certificate2 cert) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(cert);
                },
            },
        };
        var http = new HttpClient(handler, disposeHandler: true);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }
}
