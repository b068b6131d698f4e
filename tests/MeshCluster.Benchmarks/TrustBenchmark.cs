using System.Diagnostics;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text.RegularExpressions;

/// <summary>How long the trust step's RSA 4096 keys take here: a root and two intermediates, through the module, <c>runs</c> times.</summary>
internal static partial class TrustBenchmark
{
    [GeneratedRegex(@"in (\d+\.\d) s\.$")]
    private static partial Regex Seconds();

    public static int Run(string manifest, int runs)
    {
        using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        Invoke(runspace, "Import-Module $args[0] -ErrorAction Stop", manifest);
        var totals = new List<double>();
        var keys = new List<double>();
        for (var run = 1; run <= runs; run++)
        {
            var sw = Stopwatch.StartNew();
            var verbose = Invoke(runspace, "New-IstioCertificateAuthority -Verbose | New-IstioClusterCertificate -ClusterName cluster1, cluster2 -Verbose");
            totals.Add(sw.Elapsed.TotalSeconds);
            var perKey = verbose.Select(v => Seconds().Match(v)).Where(m => m.Success).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            keys.AddRange(perKey);
            Console.WriteLine($"run {run}: root + 2 intermediates (RSA 4096) in {sw.Elapsed.TotalSeconds:0.0} s; keys {string.Join(", ", perKey.Select(k => k.ToString("0.0", CultureInfo.InvariantCulture) + " s"))}");
        }

        Console.WriteLine($"root + 2 intermediates, RSA 4096, over {runs} runs: median {Median(totals):0.0} s, worst {totals.Max():0.0} s, best {totals.Min():0.0} s; " +
                          $"one RSA 4096 key: median {Median(keys):0.0} s, worst {keys.Max():0.0} s, best {keys.Min():0.0} s ({Environment.ProcessorCount} cores)");

        try
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < 3; i++)
            {
                using var openssl = Process.Start(new ProcessStartInfo("openssl", "genrsa 4096") { RedirectStandardOutput = true, RedirectStandardError = true })!;
                openssl.StandardOutput.ReadToEnd();
                openssl.WaitForExit();
            }

            Console.WriteLine($"for comparison, 3 x 'openssl genrsa 4096': {sw.Elapsed.TotalSeconds:0.0} s");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("openssl is not installed: no comparison");
        }

        return 0;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return (sorted[(sorted.Length - 1) / 2] + sorted[sorted.Length / 2]) / 2;
    }

    private static List<string> Invoke(Runspace runspace, string script, params object[] arguments)
    {
        using var ps = PowerShell.Create();
        ps.Runspace = runspace;
        ps.AddScript(script);
        foreach (var a in arguments) ps.AddArgument(a);
        ps.Invoke();
        if (ps.HadErrors) throw new InvalidOperationException(string.Join("; ", ps.Streams.Error.Select(e => e.FullyQualifiedErrorId + ": " + e)));
        return ps.Streams.Verbose.Select(v => v.Message).ToList();
    }
}
