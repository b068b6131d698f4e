using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using MeshCluster.TestGround;

/// <summary>
/// A whole root rotation across the test ground's two clusters through the module, with the defaults (RSA 4096, as Istio's
/// Makefile): the new root, then Update-IstioMeshTrust TrustBoth, SignWithNew (two RSA 4096 intermediates) and RetireOld
/// (-MinimumSoak 0), each timed, <c>runs</c> times. Each run rotates a namespace of its own (no istiod there: -Force).
/// </summary>
internal static class RotationBenchmark
{
    public static async Task<int> RunAsync(string manifest, int runs)
    {
        Console.WriteLine("Starting the test ground...");
        await using var clusters = await TestClusters.StartAsync();
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Invoke(runspace, "Import-Module $args[0] -ErrorAction Stop; $global:PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $args[1] }",
            manifest, clusters.KubeConfigPath);
        var contexts = new[] { clusters.Cluster1.ContextName, clusters.Cluster2.ContextName };
        var phases = new[] { "TrustBoth", "SignWithNew", "RetireOld" };
        var times = phases.Prepend("new root").Append("whole rotation").ToDictionary(p => p, _ => new List<double>());
        for (var run = 1; run <= runs; run++)
        {
            var ns = $"bench-rotate-{Guid.NewGuid().ToString("N")[..6]}";
            // The mesh before: one RSA 4096 root and an intermediate per cluster (not timed).
            Invoke(runspace, """
                $ns = $args[0]; $contexts = $args[1]
                $old = New-IstioCertificateAuthority
                $certs = $old | New-IstioClusterCertificate -ClusterName cluster1, cluster2
                $null = $certs[0] | Publish-IstioClusterCertificate -Context $contexts[0] -Namespace $ns
                $null = $certs[1] | Publish-IstioClusterCertificate -Context $contexts[1] -Namespace $ns
                """, ns, contexts);
            var whole = Stopwatch.StartNew();
            var sw = Stopwatch.StartNew();
            Invoke(runspace, "$global:new = New-IstioCertificateAuthority -CommonName 'Root CA 2'");
            times["new root"].Add(sw.Elapsed.TotalSeconds);
            foreach (var phase in phases)
            {
                sw.Restart();
                Invoke(runspace, "$null = Update-IstioMeshTrust -Context $args[1] -CertificateAuthority $new -Phase $args[2] -Namespace $args[0] -Force -MinimumSoak 0",
                    ns, contexts, phase);
                times[phase].Add(sw.Elapsed.TotalSeconds);
            }

            times["whole rotation"].Add(whole.Elapsed.TotalSeconds);
            Console.WriteLine($"run {run}: " + string.Join(", ", times.Select(t => $"{t.Key} {t.Value[^1]:0.0} s")));
        }

        Console.WriteLine($"root rotation across 2 clusters, RSA 4096, over {runs} runs ({Environment.ProcessorCount} cores):");
        foreach (var (name, values) in times)
        {
            Console.WriteLine($"  {name,-15} median {Median(values):0.00} s, worst {values.Max():0.00} s, best {values.Min():0.00} s");
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
    }

    private static void Invoke(Runspace runspace, string script, params object[] arguments)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        foreach (var a in arguments) ps.AddArgument(a);
        ps.Invoke();
        if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
    }
}
