using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace MeshCluster.TestGround;

/// <summary>
/// A loopback HTTPS proxy in front of a test cluster's API server that plays faults on demand:
/// <code>
/// await using var proxy = FaultProxy.Start(clusters.Cluster2);   // context "cluster2-faulty" in proxy.KubeConfigPath
/// proxy.Inject(Fault.TooManyRequests(retryAfterSeconds: 1), times: 2, when: r => r.Method == "GET" &amp;&amp; r.Path == "/api/v1/namespaces");
/// proxy.Inject(Fault.WatchGone());                                 // every watch gets ERROR 410
/// ... run the cmdlets with -KubeConfig proxy.KubeConfigPath -Context proxy.ContextName ...
/// Assert.Equal(3, proxy.Requests.Count(r => r.Path == "/api/v1/namespaces"));
/// </code>
/// It terminates TLS with a certificate for 127.0.0.1 signed by the cluster's CA (so the kubeconfig's
/// CA verifies it), forwards over HTTPS verified against that CA, and speaks HTTP/1.1 only (ALPN),
/// which is what KubernetesClient asks for. Bearer-token users only: client certificates end here.
/// </summary>
public sealed partial class FaultProxy : IAsyncDisposable
{
    private readonly object _lock = new();
    private readonly List<FaultRule> _rules = new();
    private readonly List<ProxiedRequest> _requests = new();
    private readonly HashSet<Socket> _connections = new();
    private readonly List<Task> _tasks = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly X509Certificate2 _ca;
    private readonly HttpClient _upstream;
    private readonly Uri _upstreamBase;
    private readonly string _workDir;
    private X509Certificate2 _certificate;
    private TcpListener? _listener;
    private TaskCompletionSource _release = NewRelease();
    private int _held;

    private FaultProxy(TestCluster cluster, string contextName, X509Certificate2 ca, string caFile, string workDir)
    {
        Cluster = cluster;
        ContextName = contextName;
        _ca = ca;
        CaFile = caFile;
        _workDir = workDir;
        _upstreamBase = new Uri(cluster.Server);
        _upstream = NewUpstreamClient(X509Certificate2.CreateFromPem(File.ReadAllText(cluster.CaFile)));
        _certificate = Pki.IssueServing(ca, "meshcluster-fault-proxy", new[] { IPAddress.Loopback }, new[] { "localhost" });
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        KubeConfigPath = Path.Combine(workDir, "kubeconfig");
        try
        {
            ProxyKubeConfig.Write(cluster, KubeConfigPath, Server, File.ReadAllText(caFile), new[] { contextName });
        }
        catch
        {
            listener.Stop();
            throw;
        }

        Listen(listener);
    }

    /// <summary>The cluster behind the proxy.</summary>
    public TestCluster Cluster { get; }

    public int Port { get; }

    /// <summary>https://127.0.0.1:&lt;port&gt;</summary>
    public string Server => $"https://127.0.0.1:{Port}";

    /// <summary>The context that reaches the cluster through the proxy (default "&lt;cluster&gt;-faulty"), same user.</summary>
    public string ContextName { get; }

    /// <summary>The test ground's kubeconfig plus <see cref="ContextName"/> (deleted on dispose).</summary>
    public string KubeConfigPath { get; }

    /// <summary>
    /// The CA the proxy's certificates chain to: the cluster's own CA, or (attached to clusters whose CA
    /// key is unknown) the proxy's own, which then only the proxy's kubeconfig trusts.
    /// </summary>
    public string CaFile { get; }

    /// <summary>True when <see cref="CaFile"/> is the cluster's CA.</summary>
    public bool ChainsToClusterCa => CaFile == Cluster.CaFile;

    /// <summary>Every request received so far, in arrival order (fields fill in as exchanges proceed).</summary>
    public IReadOnlyList<ProxiedRequest> Requests
    {
        get { lock (_lock) return _requests.ToArray(); }
    }

    /// <summary>How many requests a <see cref="Fault.Hold"/> holds now.</summary>
    public int HeldCount => Volatile.Read(ref _held);

    /// <summary>Starts a proxy for the cluster on a free loopback port and writes its kubeconfig.</summary>
    public static FaultProxy Start(TestCluster cluster, string? contextName = null)
    {
        var workDir = Directory.CreateTempSubdirectory("meshcluster-faultproxy-").FullName;
        X509Certificate2 ca;
        string caFile;
        if (cluster.CaKeyFile is { } key)
        {
            ca = Pki.LoadCa(cluster.CaFile, key);
            caFile = cluster.CaFile;
        }
        else
        {
            ca = Pki.NewCa("meshcluster-fault-proxy-ca");
            caFile = Path.Combine(workDir, "proxy-ca.crt");
            File.WriteAllText(caFile, ca.ExportCertificatePem() + "\n");
        }

        try
        {
            return new FaultProxy(cluster, contextName ?? cluster.ContextName + "-faulty", ca, caFile, workDir);
        }
        catch
        {
            ca.Dispose();
            Directory.Delete(workDir, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Plays <paramref name="fault"/> on the next <paramref name="times"/> requests that match
    /// <paramref name="when"/> (all requests when null; watch faults only ever match watches).
    /// Thread-safe; takes effect for the next request.
    /// </summary>
    public FaultRule Inject(Fault fault, int times = int.MaxValue, Func<ProxiedRequest, bool>? when = null)
    {
        ArgumentNullException.ThrowIfNull(fault);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(times);
        var rule = new FaultRule(this, fault, when, times);
        lock (_lock) _rules.Add(rule);
        return rule;
    }

    /// <summary>Removes every rule: from now on everything passes through.</summary>
    public void ClearFaults()
    {
        lock (_lock) _rules.Clear();
    }

    /// <summary>Lets every request a Hold holds now go on to the API server.</summary>
    public void ReleaseHeld() => Interlocked.Exchange(ref _release, NewRelease()).TrySetResult();

    /// <summary>The first request (already received or still to come) that matches, or a TimeoutException.</summary>
    public async Task<ProxiedRequest> WaitForRequestAsync(Func<ProxiedRequest, bool> match, TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (Requests.FirstOrDefault(match) is { } found) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"No matching request reached the fault proxy within {timeout.TotalSeconds:0.###} s.");
            await Task.Delay(10, ct).ConfigureAwait(false);
        }
    }

    internal void Remove(FaultRule rule)
    {
        lock (_lock) _rules.Remove(rule);
    }

    /// <summary>Records the request and picks the first rule that takes it (null: pass through).</summary>
    private Fault? Admit(ProxiedRequest request)
    {
        lock (_lock)
        {
            _requests.Add(request);
            foreach (var rule in _rules)
            {
                if (rule.TryTake(request)) return request.Fault = rule.Fault;
            }

            return null;
        }
    }

    /// <summary>Stops listening, resets every connection, ends held requests, and deletes the kubeconfig.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        RefuseConnections();
        _release.TrySetResult();
        Task[] tasks;
        lock (_lock) tasks = _tasks.ToArray();
        await Task.WhenAny(Task.WhenAll(tasks), Task.Delay(TimeSpan.FromSeconds(2))).ConfigureAwait(false);
        _upstream.Dispose();
        _certificate.Dispose();
        _ca.Dispose();
        try { Directory.Delete(_workDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
