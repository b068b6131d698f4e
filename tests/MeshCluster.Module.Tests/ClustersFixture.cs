using System.Security.Cryptography;
using MeshCluster.TestGround;

[assembly: AssemblyFixture(typeof(MeshCluster.Module.Tests.ClustersFixture))]

namespace MeshCluster.Module.Tests;

/// <summary>
/// The two test clusters, started once for the whole test assembly (or attached to through
/// MESHCLUSTER_TEST_KUBECONFIG), and PowerShell sessions already pointed at them.
/// </summary>
public sealed class ClustersFixture : IAsyncLifetime
{
    private TestClusters? _clusters;
    private readonly List<string> _log = new();

    public TestClusters Clusters => _clusters ?? throw new InvalidOperationException("The test clusters are not started.");

    public string KubeConfigPath => Clusters.KubeConfigPath;

    /// <summary>The admin bearer tokens of the test kubeconfig: what must never reach a stream.</summary>
    public IReadOnlyList<string> AdminTokens => System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(KubeConfigPath), @"token:\s*(\S+)")
        .Select(m => m.Groups[1].Value.Trim('"', '\'')).ToArray();

    /// <summary>What the start-up said (timings per server), for a test to print.</summary>
    public IReadOnlyList<string> StartupLog
    {
        get { lock (_log) return _log.ToArray(); }
    }

    public async ValueTask InitializeAsync()
    {
        _clusters = await TestClusters.StartAsync(new TestClustersOptions
        {
            Log = line => { lock (_log) _log.Add(line); },
        }).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_clusters is not null) await _clusters.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// A session with the module imported, -KubeConfig defaulted for the module's cmdlets, and
    /// $C1/$C2 (context names) and $KubeConfig set.
    /// </summary>
    public PowerShellSession NewSession()
    {
        var session = PowerShellSession.Start();
        session.SetVariable("C1", Clusters.Cluster1.ContextName);
        session.SetVariable("C2", Clusters.Cluster2.ContextName);
        session.SetVariable("KubeConfig", KubeConfigPath);
        var set = session.Invoke("$global:PSDefaultParameterValues = @{ '*-Istio*:KubeConfig' = $args[0] }", KubeConfigPath);
        if (set.Terminating is not null || set.Errors.Count > 0)
        {
            session.Dispose();
            throw new InvalidOperationException("Setting $PSDefaultParameterValues failed: " + set.AllErrorText());
        }

        return session;
    }

    /// <summary>A DNS-1123 name: the prefix (lower-cased, trimmed) and a short random suffix.</summary>
    public string UniqueName(string prefix)
    {
        var clean = new string(prefix.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        if (clean.Length > 50) clean = clean[..50].TrimEnd('-');
        var suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant();
        return clean.Length == 0 ? "t-" + suffix : $"{clean}-{suffix}";
    }
}
