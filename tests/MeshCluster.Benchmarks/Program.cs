using MeshCluster.Benchmarks;
using MeshCluster.TestGround;

// The side-by-side benchmark of the speed goals (cold step, warm call, fan-out, readiness waits): starts its own test ground, runs the groups, prints one table
// with medians, minimums and ratios against those goals. Speed is measured here, never asserted.
// Usage: see BenchOptions.Usage (dotnet run -c Release --project tests/MeshCluster.Benchmarks -- --help).
//
// usage: dotnet run -c Release --project tests/MeshCluster.Benchmarks -- trust [<runs>]
// Prints: the time to make the trust step's certificates with the defaults (RSA 4096, as Istio's Makefile): a root and two
// intermediates (New-IstioCertificateAuthority | New-IstioClusterCertificate -ClusterName cluster1, cluster2), each key's time,
// and 'openssl genrsa 4096' three times for comparison. No cluster is started.
if (args.FirstOrDefault() == "trust")
{
    return TrustBenchmark.Run(RepositoryLayout.ModuleManifest, args.Length > 1 ? int.Parse(args[1]) : 5);
}

// usage: dotnet run -c Release --project tests/MeshCluster.Benchmarks -- rotation [<runs>]
// Prints: a whole root rotation across the test ground's two clusters (RSA 4096): the new root, Update-IstioMeshTrust's three
// phases and the total, per run and as medians. Starts its own test ground.
if (args.FirstOrDefault() == "rotation")
{
    return await RotationBenchmark.RunAsync(RepositoryLayout.ModuleManifest, args.Length > 1 ? int.Parse(args[1]) : 3);
}

var options = BenchOptions.Parse(args, out var problem);
if (options is null)
{
    if (problem is null)
    {
        Console.WriteLine(BenchOptions.Usage);
        return 0;
    }

    Console.Error.WriteLine(problem);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

var manifest = options.Module ?? RepositoryLayout.ModuleManifest;
if (!File.Exists(manifest))
{
    Console.Error.WriteLine($"{manifest} is missing: build first (dotnet build MeshCluster.sln -c Release).");
    return 1;
}

var report = new Report();
var loadAtStart = LoadAverage();
var hosts = options.Groups.Contains(BenchOptions.Cold) ? await PowerShellHost.FindAllAsync(options) : null;

Console.WriteLine("Starting the test ground...");
// One controller-manager plays the 20 remotes' own in the wait group: not at its default client rate
// limit (20 requests/s), nor with 5 workers per controller, or that is what the group would measure.
string[] controllerManager = options.StockControllerManager
    ? Array.Empty<string>()
    : new[] { "--kube-api-qps=500", "--kube-api-burst=1000", "--concurrent-deployment-syncs=20", "--concurrent-replicaset-syncs=20" };
await using var clusters = await TestClusters.StartAsync(new TestClustersOptions { ControllerManagerArguments = controllerManager });
Console.WriteLine($"test ground up in {clusters.StartupTime.TotalSeconds:0.0} s");
var ground = await Ground.PrepareAsync(clusters, manifest);
var failed = false;
using (var session = options.Groups.Any(g => g != BenchOptions.Cold) ? Session.Open(ground.Manifest) : null)
{
    foreach (var group in options.Groups)
    {
        Console.WriteLine($"[{group}]");
        try
        {
            await (group switch
            {
                BenchOptions.Cold => ColdStartGroup.RunAsync(ground, hosts!, options, report),
                BenchOptions.Warm => WarmCallGroup.RunAsync(ground, session!, options, report),
                BenchOptions.FanOut => FanOutGroup.RunAsync(ground, session!, options, report),
                _ => ReadinessWaitGroup.RunAsync(ground, session!, options, report),
            });
        }
        catch (Exception ex)
        {
            // One group's failure leaves the others' figures standing; the exit code says it.
            failed = true;
            report.Note($"{group}: FAILED: {ex.GetType().Name}: {ex.Message}");
            Console.WriteLine($"  {group} failed: {ex}");
        }
    }
}

ModuleSize.Report(manifest, report);
report.Header($"MeshCluster benchmarks, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {(options.Quick ? "--quick" : "full")} run of: {string.Join(", ", options.Groups)}");
report.Header($"machine: {Environment.ProcessorCount} cores, shared; load average (1, 5, 15 min) at start {loadAtStart}, at end {LoadAverage()}; .NET {Environment.Version}");
report.Header($"module measured: {Path.GetDirectoryName(manifest)}{(options.Module is null ? " (the build's)" : " (--module)")}");
if (hosts is not null)
{
    foreach (var host in hosts) report.Header($"cold (process-level) runs use {host.Description}");
    report.Header(ChildProcesses.MemoryMethod);
}

if (options.Groups.Any(g => g != BenchOptions.Cold))
{
    report.Header($"in-session runs (warm, fanout, wait) use this process's hosted engine (System.Management.Automation {Session.EngineVersion}), module imported once");
}

report.Header("test ground: etcd, kube-apiserver and kube-controller-manager 1.20 on loopback; the controller-manager with " +
              (controllerManager.Length == 0 ? "its default flags (--stock-controller-manager)" : string.Join(" ", controllerManager)));
report.Header("times: median, min and max of the repetitions (n); peak MiB: median over the repetitions");
report.Print();
return failed ? 1 : 0;

static string LoadAverage()
{
    try
    {
        return string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
    }
    catch (IOException)
    {
        return "unknown";
    }
}
