using System.Globalization;
using static MeshCluster.Benchmarks.PowerShellHost;

namespace MeshCluster.Benchmarks;

/// <summary>
/// Group "cold": the Azure DevOps step as a separate process, side by side with the same process
/// without the module (the floor), with PowerShell's own Invoke-RestMethod of the same Service (any first request's floor) and
/// with the same GET by .NET's HttpClient from a script (no web cmdlets), with kubectl, in each PowerShell found (a self-contained pwsh and the .NET tool); plus, in one more fresh process, where the time
/// goes (Import-Module, the first call, the first call on another cluster, a warm call, another cmdlet's first call), timed from
/// inside by a Stopwatch. The variants run interleaved, in a rotating order, so drifting load on the
/// shared machine falls on all of them alike; (a) - (b) is paired per repetition.
/// </summary>
internal static class ColdStartGroup
{
    private const string G = "cold";

    public static async Task RunAsync(Ground ground, IReadOnlyList<PowerShellHost> hosts, BenchOptions options, Report report)
    {
        for (var i = 0; i < hosts.Count; i++)
        {
            Console.WriteLine($"  cold: {hosts[i].Description}");
            await RunAsync(ground, hosts[i], withKubectl: i == 0, options, report).ConfigureAwait(false);
        }
    }

    private static async Task RunAsync(Ground ground, PowerShellHost host, bool withKubectl, BenchOptions options, Report report)
    {
        var (k, m, ns) = (Quote(ground.KubeConfig), Quote(ground.Manifest), Ground.GatewayNamespace);
        string Call(string context) => $"Get-IstioDiscoveryAddress -KubeConfig {k} -Context {context} -Namespace {ns} -ErrorAction Stop";
        var step = $"Import-Module {m}; {Call("cluster1")}";
        // Also what the runtime did meanwhile: JIT time (all threads) and methods compiled, assemblies loaded.
        var breakdown = $$"""
            function Runtime { "$([System.Runtime.JitInfo]::GetCompilationTime($false).TotalMilliseconds) $([System.Runtime.JitInfo]::GetCompiledMethodCount($false)) $([AppDomain]::CurrentDomain.GetAssemblies().Count)" }
            $r0 = Runtime
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            Import-Module {{m}}
            $import = $sw.Elapsed.TotalMilliseconds
            $r1 = Runtime
            $t = $sw.Elapsed.TotalMilliseconds
            $null = {{Call("cluster1")}}
            $first = $sw.Elapsed.TotalMilliseconds - $t
            $r2 = Runtime
            $t = $sw.Elapsed.TotalMilliseconds
            $null = {{Call("cluster2")}}
            $other = $sw.Elapsed.TotalMilliseconds - $t
            [double[]] $warm = foreach ($i in 1..5) { $t = $sw.Elapsed.TotalMilliseconds; $null = {{Call("cluster1")}}; $sw.Elapsed.TotalMilliseconds - $t }
            [Array]::Sort($warm)
            $r3 = Runtime
            $t = $sw.Elapsed.TotalMilliseconds
            $null = Get-IstioRemoteSecret -KubeConfig {{k}} -Context cluster1 -ErrorAction Stop
            $secrets = $sw.Elapsed.TotalMilliseconds - $t
            $r4 = Runtime
            "breakdown $import $first $other $($warm[2]) $secrets $r0 $r1 $r2 $r3 $r4"
            """;
        // (e) PowerShell's own HTTPS GET of the same Service: what any first request from a fresh pwsh costs (HttpClient, TLS,
        // OpenSSL), the module aside. The token is read from a file, not put on a command line; the certificate check is skipped.
        var tokenFile = Path.Combine(Path.GetTempPath(), $"meshcluster-bench-{Guid.NewGuid():N}.token");
        File.WriteAllText(tokenFile, ground.TokenOf("cluster1"));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var url = $"{ground.Cluster1.Server}/api/v1/namespaces/{ns}/services/{Ground.GatewayService}";
        var restMethod = $"(Invoke-RestMethod -SkipCertificateCheck -Headers @{{ Authorization = 'Bearer ' + [IO.File]::ReadAllText({Quote(tokenFile)}) }} {Quote(url)}).status.loadBalancer.ingress[0].ip";
        // (f) The same GET by .NET's HttpClient called from the script, without PowerShell's web cmdlets (their module and
        // parameter binding): the lowest any first HTTPS request from a fresh pwsh can cost.
        var httpClient = $$"""
            $h = [System.Net.Http.HttpClientHandler]::new(); $h.ServerCertificateCustomValidationCallback = [System.Net.Http.HttpClientHandler]::DangerousAcceptAnyServerCertificateValidator
            $c = [System.Net.Http.HttpClient]::new($h); $c.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', [IO.File]::ReadAllText({{Quote(tokenFile)}}))
            [System.Text.Json.JsonDocument]::Parse($c.GetStringAsync({{Quote(url)}}).GetAwaiter().GetResult()).RootElement.GetProperty('status').GetProperty('loadBalancer').GetProperty('ingress')[0].GetProperty('ip').GetString()
            """;
        try
        {
            await RunAsync(ground, host, withKubectl, options, report, step, breakdown, restMethod, httpClient).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(tokenFile);
        }
    }

    private static async Task RunAsync(Ground ground, PowerShellHost host, bool withKubectl, BenchOptions options, Report report,
        string step, string breakdown, string restMethod, string httpClient)
    {
        var runs = options.RunsOr(full: 10, quick: 3);
        var ns = Ground.GatewayNamespace;
        var kubectl = withKubectl ? Which("kubectl") : null;
        string[] kubectlArgs = { "--kubeconfig", ground.KubeConfig, "--context", "cluster1", "-n", ns, "get", "svc", Ground.GatewayService,
            "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}" };

        var variants = new List<(string Key, Func<Task<ChildRun>> Run, Func<ChildRun, string?> Check)>
        {
            ("a", () => host.RunAsync(step), r => Expect(host, r, o => o.Any(l => l.Contains(Ground.Cluster1Address, StringComparison.Ordinal)))),
            ("b", () => host.RunAsync("1"), r => Expect(host, r, o => o.Count == 1 && o[0] == "1")),
            ("d", () => host.RunAsync(breakdown), r => Expect(host, r, o => o.Any(l => l.StartsWith("breakdown ", StringComparison.Ordinal)))),
            ("e", () => host.RunAsync(restMethod), r => Expect(host, r, o => o.Any(l => l.Contains(Ground.Cluster1Address, StringComparison.Ordinal)))),
            ("f", () => host.RunAsync(httpClient), r => Expect(host, r, o => o.Any(l => l.Contains(Ground.Cluster1Address, StringComparison.Ordinal)))),
        };
        if (kubectl is not null)
        {
            variants.Add(("c", () => ChildProcesses.RunAsync(kubectl, kubectlArgs),
                r => r.ExitCode == 0 && r.Stdout.Trim() == Ground.Cluster1Address ? null : $"kubectl: exit {r.ExitCode}: {r.Stdout}{r.Stderr}"));
        }

        var results = variants.ToDictionary(v => v.Key, _ => new List<ChildRun>());
        for (var rep = 0; rep <= runs; rep++)
        {
            // Rep 0 warms the disk cache (and kubectl's discovery cache) and is not counted.
            for (var i = 0; i < variants.Count; i++)
            {
                var (key, run, check) = variants[(i + rep) % variants.Count];
                var result = await run();
                if (check(result) is { } failure) throw new InvalidOperationException($"cold variant ({key}) failed: {failure}");
                if (rep > 0) results[key].Add(result);
            }

            Console.WriteLine($"  cold: repetition {rep}/{runs}{(rep == 0 ? " (warm-up, not counted)" : "")}");
        }

        var (a, b) = (results["a"], results["b"]);
        var rowA = report.Add(new Row(G, $"(a) {host.Short} 'Import-Module; Get-IstioDiscoveryAddress'", Ms(a), Mem(a), Cpu(a)));
        var rowB = report.Add(new Row(G, $"(b) the floor: {host.Short} 1", Ms(b), Mem(b), Cpu(b)));
        var rowE = report.Add(new Row(G, $"(e) {host.Short} 'Invoke-RestMethod' of the same Service", Ms(results["e"]), Mem(results["e"]), Cpu(results["e"])));
        report.Add(new Row(G, $"(f) {host.Short} HttpClient GET of the same Service from a script", Ms(results["f"]), Mem(results["f"]), Cpu(results["f"])));
        Row? rowC = kubectl is null ? null : report.Add(new Row(G, "(c) kubectl get svc -o jsonpath", Ms(results["c"]), Mem(results["c"]), Cpu(results["c"])));
        if (kubectl is null && withKubectl) report.Note("kubectl is not on PATH: variant (c) was skipped.");
        var delta = report.Add(new Row(G, $"(a) - (b) in {host.Short}: what the module adds (paired)",
            new Samples(a.Zip(b, (x, y) => x.WallMs - y.WallMs)), a[0].PeakMiB is null ? null : new Samples(a.Zip(b, (x, y) => x.PeakMiB!.Value - y.PeakMiB!.Value)),
            "goal: <= 150 ms and <= 30 MiB"));

        report.Add(new Row(G, $"(e) - (b) in {host.Short}: what any HTTPS GET adds (paired)",
            new Samples(results["e"].Zip(b, (x, y) => x.WallMs - y.WallMs)),
            results["e"][0].PeakMiB is null ? null : new Samples(results["e"].Zip(b, (x, y) => x.PeakMiB!.Value - y.PeakMiB!.Value)), "pwsh's own floor for a first request"));
        report.Add(new Row(G, $"(f) - (b) in {host.Short}: what .NET's HttpClient GET adds, no web cmdlets (paired)",
            new Samples(results["f"].Zip(b, (x, y) => x.WallMs - y.WallMs)),
            results["f"][0].PeakMiB is null ? null : new Samples(results["f"].Zip(b, (x, y) => x.PeakMiB!.Value - y.PeakMiB!.Value)), "the lowest floor for a first HTTPS request"));
        var parts = results["d"].Select(r => host.Output(r, out _)!.First(l => l.StartsWith("breakdown ", StringComparison.Ordinal)).Split(' ').Skip(1)
                .Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        string[] names = { $"in one fresh {host.Short}: Import-Module", "  then the first call (cluster1)", "  then the next call on another cluster (cluster2)",
            "  then a warm call (cluster1 again, median of 5)", "  then another cmdlet's first call: Get-IstioRemoteSecret (Secrets, istiod's Deployments)" };
        // parts: 5 times, then (JIT ms, methods, assemblies) before the import, after it, after the first call, before and after Get-IstioRemoteSecret.
        const int T = 5;
        string Runtime(int from, int to) =>
            $"JIT {new Samples(parts.Select(p => p[T + 3 * to] - p[T + 3 * from])).Median:0} ms (all threads), " +
            $"{new Samples(parts.Select(p => p[T + 1 + 3 * to] - p[T + 1 + 3 * from])).Median:0} methods, +{new Samples(parts.Select(p => p[T + 2 + 3 * to] - p[T + 2 + 3 * from])).Median:0} assemblies";
        for (var i = 0; i < names.Length; i++)
        {
            report.Add(new Row(G, names[i], new Samples(parts.Select(p => p[i])), Note: i switch { 0 => Runtime(0, 1), 1 => Runtime(1, 2), 4 => Runtime(3, 4), _ => "" }));
            if (i == 1) report.Add(new Row(G, "  import and first call together", new Samples(parts.Select(p => p[0] + p[1])), Note: Runtime(0, 2)));
        }

        if (withKubectl) report.Note("cold: the \"in one fresh pwsh\" rows are timed by a Stopwatch inside one more script run as (a) is (output discarded, so no formatting); " +
                    "JIT time and counts from System.Runtime.JitInfo, assemblies from AppDomain.GetAssemblies (the module's private load context included)");

        report.Note($"cold (a): {host.CommandLine('"' + step + '"')}");
        if (kubectl is not null) report.Note($"cold (c): kubectl {string.Join(" ", kubectlArgs)}");

        report.Ratio($"cold step in {host.Short}: (a)/(b) = {Report.X(rowA.Ms.Median / rowB.Ms.Median)} wall (median), peak memory {rowA.PeakMiB?.Median:0} vs {rowB.PeakMiB?.Median:0} MiB");
        if (rowC is not null) report.Ratio($"cold step (a)/(c) kubectl = {Report.X(rowA.Ms.Median / rowC.Ms.Median)} wall, peak memory {rowA.PeakMiB?.Median:0} vs {rowC.PeakMiB?.Median:0} MiB");
        report.Ratio($"cold step in {host.Short}: (a)/(e) pwsh's own Invoke-RestMethod = {Report.X(rowA.Ms.Median / rowE.Ms.Median)} wall, peak memory {rowA.PeakMiB?.Median:0} vs {rowE.PeakMiB?.Median:0} MiB");
        report.Goal($"cold step in {host.Short}: module import + first call adds <= 0.15 s to the bare process",
            $"+{delta.Ms.Median:0} ms median (min +{delta.Ms.Min:0} ms) over {rowB.Ms.Median:0} ms", delta.Ms.Median <= 150);
        if (delta.PeakMiB is { } dm)
        {
            report.Goal($"cold step in {host.Short}: and <= 30 MiB of peak memory", $"+{dm.Median:0.0} MiB median (min +{dm.Min:0.0} MiB) over {rowB.PeakMiB!.Median:0} MiB", dm.Median <= 30);
        }
    }

    private static string? Expect(PowerShellHost host, ChildRun run, Func<IReadOnlyList<string>, bool> ok)
    {
        var output = host.Output(run, out var failure);
        return output is null ? failure : ok(output) ? null : $"unexpected output: {string.Join(" | ", output)}";
    }

    private static Samples Ms(List<ChildRun> runs) => new(runs.Select(r => r.WallMs));
    private static Samples? Mem(List<ChildRun> runs) => runs.Any(r => r.PeakMiB is null) ? null : new Samples(runs.Select(r => r.PeakMiB!.Value));

    private static string Cpu(List<ChildRun> runs) =>
        runs.Any(r => r.CpuMs is null) ? "" : $"CPU (user+sys) median {new Samples(runs.Select(r => r.CpuMs!.Value)).Median:0} ms";

    private static string? Which(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);
}
