using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using k8s;
using MeshCluster.TestGround;

// usage: dotnet run -c Release --project tests/MeshCluster.Benchmarks [-- <runs>]
// Prints: the time of Import-Module + the first Get-IstioDiscoveryAddress in a fresh process, and the
// readiness-detection latency of Wait-IstioControlPlane (from the last pod turning Ready, as the API
// server accepted it, to the cmdlet returning its object), median and worst of <runs> runs.
//
// usage: dotnet run -c Release --project tests/MeshCluster.Benchmarks -- trust [<runs>]
// Prints: the time to make the trust step's certificates with the defaults (RSA 4096, as Istio's Makefile): a root and two
// intermediates (New-IstioCertificateAuthority | New-IstioClusterCertificate -ClusterName cluster1, cluster2), each key's time,
// and 'openssl genrsa 4096' three times for comparison. No cluster is started.
var manifest = RepositoryLayout.ModuleManifest;
if (args.FirstOrDefault() == "trust")
{
    return TrustBenchmark.Run(manifest, args.Length > 1 ? int.Parse(args[1]) : 5);
}

var runs = args.Length > 0 ? int.Parse(args[0]) : 10;

await using var clusters = await TestClusters.StartAsync();
Console.WriteLine($"test ground up in {clusters.StartupTime.TotalSeconds:0.0} s");
var c1 = clusters.Cluster1;
var c2 = clusters.Cluster2;

// 1. Import-Module + first call, in this (fresh) process.
await c1.EnsureNamespaceAsync("bench-gw");
await LoadBalancerSimulator.CreateServiceAsync(c1.Admin, "bench-gw", "istio-ingressgateway");
await LoadBalancerSimulator.SetIngressAsync(c1.Admin, "bench-gw", "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.10", null) });
using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();
var importTime = Time(() => Invoke("Import-Module $args[0] -ErrorAction Stop", manifest));
var firstCall = Time(() => Invoke("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Context cluster1 -Namespace bench-gw -ErrorAction Stop", clusters.KubeConfigPath));
var secondCall = Time(() => Invoke("Get-IstioDiscoveryAddress -KubeConfig $args[0] -Context cluster1 -Namespace bench-gw -ErrorAction Stop", clusters.KubeConfigPath));
Console.WriteLine($"Import-Module: {importTime:0} ms; first Get-IstioDiscoveryAddress: {firstCall:0} ms (together {importTime + firstCall:0} ms); second call: {secondCall:0} ms");

// 2. Readiness-detection latency. Run 0 warms up and is not counted.
var latencies = new List<double>();
for (var run = 0; run <= runs; run++)
{
    var ns = $"bench-cp-{run}-{Guid.NewGuid().ToString("N")[..6]}";
    await c2.EnsureNamespaceAsync(ns);
    await using (var kubelet = SimulatedKubelet.Start(c2.Admin, ns, new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromSeconds(1) }))
    {
        await c2.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("istiod", 1, "discovery"), ns);
        await c2.Admin.AppsV1.CreateNamespacedDeploymentAsync(TestWorkloads.Deployment("prometheus", 1, "prometheus", "istio-proxy"), ns);
        Invoke("Wait-IstioControlPlane -KubeConfig $args[0] -Context cluster2 -Namespace $args[1] -Timeout 00:01:00 -ErrorAction Stop", clusters.KubeConfigPath, ns);
        var returned = DateTime.UtcNow;
        var latency = (returned - (kubelet.LastReadyAt ?? returned)).TotalMilliseconds;
        if (run > 0) latencies.Add(latency);
        Console.WriteLine($"{(run == 0 ? "warm-up" : $"run {run}")}: {latency:0.0} ms");
    }

    try { await c2.Admin.CoreV1.DeleteNamespaceAsync(ns); } catch (Exception) { /* 1.20's delete answer; the delete happened */ }
}

var sorted = latencies.Order().ToArray();
var median = (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
Console.WriteLine($"Wait-IstioControlPlane readiness-detection latency over {runs} runs: median {median:0.0} ms, worst {sorted[^1]:0.0} ms, best {sorted[0]:0.0} ms");
return 0;

double Time(Action action)
{
    var sw = Stopwatch.StartNew();
    action();
    return sw.Elapsed.TotalMilliseconds;
}

void Invoke(string script, params object[] arguments)
{
    using var ps = PowerShell.Create();
    ps.Runspace = runspace;
    ps.AddScript(script);
    foreach (var a in arguments) ps.AddArgument(a);
    ps.Invoke();
    if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
}
