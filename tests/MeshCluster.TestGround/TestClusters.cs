using System.Diagnostics;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;

namespace MeshCluster.TestGround;

/// <summary>
/// Two real Kubernetes clusters on loopback, envtest style: one etcd, and per cluster a
/// kube-apiserver (own etcd prefix, own CA, token auth, RBAC) and a kube-controller-manager
/// (service-account tokens, namespaces, garbage collection, Deployments and ReplicaSets).
/// There is no scheduler or kubelet: <see cref="SimulatedKubelet"/> plays them through the API.
/// </summary>
public sealed class TestClusters : IAsyncDisposable
{
    public const string AttachVariable = "MESHCLUSTER_TEST_KUBECONFIG";
    private static readonly string[] Names = new TestClustersOptions().ClusterNames;

    private readonly List<ManagedProcess> _processes; // in start order; stopped in reverse
    private readonly bool _deleteWorkDir;

    private TestClusters(string workDir, string kubeConfigPath, IReadOnlyList<TestCluster> clusters, List<ManagedProcess> processes,
        bool deleteWorkDir, bool attached)
    {
        WorkDir = workDir;
        KubeConfigPath = kubeConfigPath;
        All = clusters;
        _processes = processes;
        _deleteWorkDir = deleteWorkDir;
        Attached = attached;
    }

    /// <summary>One kubeconfig with contexts "cluster1" and "cluster2" (current: cluster1), token auth, CA verified.</summary>
    public string KubeConfigPath { get; }

    public string WorkDir { get; }
    public TestCluster Cluster1 => All[0];
    public TestCluster Cluster2 => All[1];
    public IReadOnlyList<TestCluster> All { get; }

    /// <summary>True when attached to an environment named by MESHCLUSTER_TEST_KUBECONFIG (nothing is stopped on dispose).</summary>
    public bool Attached { get; }

    /// <summary>How long <see cref="StartAsync"/> took.</summary>
    public TimeSpan StartupTime { get; private set; }

    public static async Task<TestClusters> StartAsync(TestClustersOptions? options = null, CancellationToken ct = default)
    {
        options ??= new TestClustersOptions();
        var log = options.Log ?? (_ => { });
        var stopwatch = Stopwatch.StartNew();

        var attach = Environment.GetEnvironmentVariable(AttachVariable);
        if (!string.IsNullOrEmpty(attach) && File.Exists(attach))
        {
            var attached = Attach(attach, options);
            attached.StartupTime = stopwatch.Elapsed;
            log($"Attached to the clusters of {attach}.");
            return attached;
        }

        var binDir = options.ResolveBinDir();
        var apiserverPath = Path.Combine(binDir, "kube-apiserver");
        var controllerManagerPath = Path.Combine(binDir, "kube-controller-manager");
        var etcdPath = options.ResolveEtcd(binDir);
        foreach (var binary in new[] { apiserverPath, controllerManagerPath, etcdPath })
        {
            if (!File.Exists(binary))
            {
                throw new FileNotFoundException($"{binary} is missing: build the Kubernetes binaries with tests/MeshCluster.TestGround/install.sh (or set KUBEBUILDER_ASSETS).", binary);
            }
        }

        var deleteWorkDir = string.IsNullOrEmpty(options.WorkDir);
        if (deleteWorkDir) SweepAbandonedWorkDirs(log);
        var workDir = options.WorkDir ?? Path.Combine(Path.GetTempPath(), WorkDirPrefix + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workDir);
        File.WriteAllText(Path.Combine(workDir, OwnerFile), Environment.ProcessId.ToString());

        var processes = new List<ManagedProcess>();
        try
        {
            var etcdClient = LoopbackPorts.Free();
            var etcdPeer = LoopbackPorts.Free();
            var etcd = ManagedProcess.Start("etcd", etcdPath, new[]
            {
                "--name=meshcluster", "--data-dir=" + Path.Combine(workDir, "etcd"),
                $"--listen-client-urls=http://127.0.0.1:{etcdClient}", $"--advertise-client-urls=http://127.0.0.1:{etcdClient}",
                $"--listen-peer-urls=http://127.0.0.1:{etcdPeer}", $"--initial-advertise-peer-urls=http://127.0.0.1:{etcdPeer}",
                $"--initial-cluster=meshcluster=http://127.0.0.1:{etcdPeer}",
                "--unsafe-no-fsync", "--log-level=warn", "--logger=zap",
                // A single member elects itself after one election timeout: keep it short so start-up is quick.
                "--heartbeat-interval=20", "--election-timeout=200",
            }, Path.Combine(workDir, "etcd.log"));
            processes.Add(etcd);
            var etcdUrl = $"http://127.0.0.1:{etcdClient}";
            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
            {
                await WaitHealthyAsync(etcd, http, etcdUrl + "/health", body => body.Contains("\"health\":\"true\""), options.StartTimeout, ct).ConfigureAwait(false);
            }

            log($"etcd answers at {etcdUrl} after {stopwatch.ElapsedMilliseconds} ms.");

            var started = await Task.WhenAll(options.ClusterNames.Select(name =>
                StartClusterAsync(name, workDir, etcdUrl, apiserverPath, controllerManagerPath, options, processes, log, stopwatch, ct))).ConfigureAwait(false);

            var kubeConfigPath = Path.Combine(workDir, "kubeconfig");
            Pki.WritePrivate(kubeConfigPath, KubeConfigYaml(started.Select(s => (s.Name, s.Server, s.CaFile, s.Token)).ToArray(), options.ClusterNames[0]));
            var clusters = started.Select(s => new TestCluster(s.Name, s.Server, s.CaFile, s.CaKeyFile, kubeConfigPath, AdminClient(kubeConfigPath, s.Name))).ToArray();
            var result = new TestClusters(workDir, kubeConfigPath, clusters, processes, deleteWorkDir, attached: false)
            {
                StartupTime = stopwatch.Elapsed,
            };
            foreach (var s in started) result._apiServers[s.Name] = s.ApiServer;
            log($"Test clusters ready after {stopwatch.ElapsedMilliseconds} ms; kubeconfig {kubeConfigPath}.");
            return result;
        }
        catch
        {
            await StopAsync(processes).ConfigureAwait(false);
            throw;
        }
    }

    private sealed record StartedCluster(string Name, string Server, string CaFile, string CaKeyFile, string Token, ApiServer ApiServer);

    /// <summary>
    /// A cluster's kube-apiserver as the test ground runs it, with what it takes to stop it and start it again on
    /// the same port; its kube-controller-manager goes down and up with it, as in a control plane's upgrade (one
    /// that lived through the outage would come back with its informers in backoff for a while).
    /// </summary>
    private sealed class ApiServer(string name, string executable, string[] arguments, string logFile, string server, string caPem, string token,
        TimeSpan startTimeout, List<ManagedProcess> processes)
    {
        public ManagedProcess? Process { get; private set; }

        /// <summary>The controller-manager's command (set once it is known), and the running one.</summary>
        public (string Executable, string[] Arguments, string LogFile)? ControllerManager { get; set; }

        private ManagedProcess? _controllerManager;

        public async Task StartAsync(CancellationToken ct)
        {
            var process = ManagedProcess.Start($"kube-apiserver ({name})", executable, arguments, logFile);
            lock (processes) processes.Add(process);
            Process = process;
            using (var http = CaVerifiedClient(caPem, token))
            {
                await WaitHealthyAsync(process, http, server + "/readyz", body => body.Trim() == "ok", startTimeout, ct).ConfigureAwait(false);
            }

            await StartControllerManagerAsync().ConfigureAwait(false);
        }

        /// <summary>The first start of the controller-manager, once the API server it needs is up.</summary>
        public Task StartControllerManagerAsync()
        {
            if (ControllerManager is { } cm && _controllerManager is null)
            {
                _controllerManager = ManagedProcess.Start($"kube-controller-manager ({name})", cm.Executable, cm.Arguments, cm.LogFile);
                lock (processes) processes.Add(_controllerManager);
            }

            return Task.CompletedTask;
        }

        public async Task StopAsync()
        {
            foreach (var process in new[] { _controllerManager, Process })
            {
                if (process is null) continue;
                lock (processes) processes.Remove(process);
                await process.DisposeAsync().ConfigureAwait(false);
            }

            (_controllerManager, Process) = (null, null);
        }
    }

    private readonly Dictionary<string, ApiServer> _apiServers = new(StringComparer.Ordinal);

    /// <summary>
    /// Stops a cluster's kube-apiserver and its controller-manager (etcd and the data stay): its port then refuses
    /// connections, as during a managed control plane's upgrade. Only for test grounds of their own.
    /// </summary>
    public Task StopApiServerAsync(TestCluster cluster) => ApiServerOf(cluster).StopAsync();

    /// <summary>Starts a stopped kube-apiserver again, on the same port and data, waits until it is ready, then its controller-manager.</summary>
    public Task StartApiServerAsync(TestCluster cluster, CancellationToken ct = default) => ApiServerOf(cluster).StartAsync(ct);

    private ApiServer ApiServerOf(TestCluster cluster) =>
        _apiServers.TryGetValue(cluster.Name, out var api) ? api : throw new InvalidOperationException($"{cluster.Name} was not started by this test ground (attached?).");

    private static async Task<StartedCluster> StartClusterAsync(string name, string workDir, string etcdUrl, string apiserverPath,
        string controllerManagerPath, TestClustersOptions options, List<ManagedProcess> processes, Action<string> log, Stopwatch stopwatch,
        CancellationToken ct)
    {
        var dir = Path.Combine(workDir, name);
        var pki = Pki.Write(Path.Combine(dir, "pki"), name);
        var token = Pki.NewToken();
        var tokenFile = Path.Combine(dir, "tokens.csv");
        Pki.WritePrivate(tokenFile, $"{token},admin,admin-uid,system:masters\n");
        var port = LoopbackPorts.Free();
        var server = $"https://127.0.0.1:{port}";

        var apiserver = new ApiServer(name, apiserverPath, new[]
        {
            $"--etcd-servers={etcdUrl}", $"--etcd-prefix=/{name}",
            "--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", $"--secure-port={port}", "--insecure-port=0",
            $"--cert-dir={Path.Combine(dir, "pki")}", $"--tls-cert-file={pki.ServingCertFile}", $"--tls-private-key-file={pki.ServingKeyFile}",
            $"--token-auth-file={tokenFile}", "--authorization-mode=RBAC",
            // Client certificates of the cluster's CA authenticate (a remote secret may hold one instead of a token).
            $"--client-ca-file={pki.CaFile}",
            $"--service-account-key-file={pki.ServiceAccountPublicKeyFile}", $"--service-account-signing-key-file={pki.ServiceAccountKeyFile}",
            "--service-account-issuer=https://kubernetes.default.svc",
            // A /16 rather than a /24: every LoadBalancer Service of every test takes a cluster IP.
            "--service-cluster-ip-range=10.0.0.0/16", "--allow-privileged=true",
            "--endpoint-reconciler-type=none", "--profiling=false", "--v=1",
            // Less start-up work on a shared 2-core machine; the tests need no request fairness.
            "--enable-priority-and-fairness=false",
            // Loopback only: the istioctl stand-in writes Istio's webhook configurations as istioctl does, and an API
            // server that called them would dial a Service's cluster IP (10.0.x.x) or resolve its name. Stored, never called.
            "--disable-admission-plugins=MutatingAdmissionWebhook,ValidatingAdmissionWebhook",
        }, Path.Combine(workDir, $"kube-apiserver-{name}.log"), server, await File.ReadAllTextAsync(pki.CaFile, ct).ConfigureAwait(false), token,
            options.StartTimeout, processes);
        await apiserver.StartAsync(ct).ConfigureAwait(false);

        log($"kube-apiserver {name} ready at {server} after {stopwatch.ElapsedMilliseconds} ms ({apiserver.Process!.ServerCpuTime()?.TotalSeconds:0.0} CPU-seconds used).");

        var cmKubeConfig = Path.Combine(dir, "controller-manager.kubeconfig");
        Pki.WritePrivate(cmKubeConfig, KubeConfigYaml(new[] { (name, server, pki.CaFile, token) }, name));
        apiserver.ControllerManager = (controllerManagerPath, new[]
        {
            $"--kubeconfig={cmKubeConfig}",
            // endpointslicemirroring: as on every cluster since 1.19, the Endpoints of a Service without selector
            // (Istio's remote profile writes one for istiod) are mirrored into an EndpointSlice.
            "--controllers=serviceaccount-token,serviceaccount,namespace,garbagecollector,deployment,replicaset,endpointslicemirroring",
            $"--service-account-private-key-file={pki.ServiceAccountKeyFile}", $"--root-ca-file={pki.CaFile}",
            "--use-service-account-credentials=false", "--leader-elect=false",
            "--bind-address=127.0.0.1", "--secure-port=0", "--port=0", "--profiling=false", "--v=1",
        }.Concat(options.ControllerManagerArguments).ToArray(), Path.Combine(workDir, $"kube-controller-manager-{name}.log"));
        await apiserver.StartControllerManagerAsync().ConfigureAwait(false);

        return new StartedCluster(name, server, pki.CaFile, pki.CaKeyFile, token, apiserver);
    }

    private static HttpClient CaVerifiedClient(string caPem, string token)
    {
        var ca = X509Certificate2.CreateFromPem(caPem);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                if (certificate is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(certificate);
            },
        };
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task WaitHealthyAsync(ManagedProcess process, HttpClient http, string url, Func<string, bool> healthy, TimeSpan timeout,
        CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        string last = "no answer yet";
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited while starting. Log {process.LogFile}:\n{process.LogTail()}");
            }

            try
            {
                using var response = await http.GetAsync(url, ct).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
                if (response.IsSuccessStatusCode && healthy(body)) return;
                last = $"{(int)response.StatusCode}: {body}";
            }
            catch (HttpRequestException ex)
            {
                last = ex.Message;
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                last = "request timed out";
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{process.Name} did not become healthy at {url} within {timeout.TotalSeconds:0} s (last: {last}). Log {process.LogFile}:\n{process.LogTail()}");
            }

            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    private static string KubeConfigYaml(IReadOnlyList<(string Name, string Server, string CaFile, string Token)> clusters, string current)
    {
        var yaml = new StringBuilder();
        yaml.Append("apiVersion: v1\nkind: Config\nclusters:\n");
        foreach (var c in clusters)
        {
            var caData = Convert.ToBase64String(File.ReadAllBytes(c.CaFile));
            yaml.Append($"- name: {c.Name}\n  cluster:\n    server: {c.Server}\n    certificate-authority-data: {caData}\n");
        }

        yaml.Append("users:\n");
        foreach (var c in clusters) yaml.Append($"- name: {c.Name}-admin\n  user:\n    token: {c.Token}\n");
        yaml.Append("contexts:\n");
        foreach (var c in clusters) yaml.Append($"- name: {c.Name}\n  context:\n    cluster: {c.Name}\n    user: {c.Name}-admin\n");
        yaml.Append($"current-context: {current}\npreferences: {{}}\n");
        return yaml.ToString();
    }

    private static IKubernetes AdminClient(string kubeConfigPath, string context) =>
        new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeConfigPath, currentContext: context));

    /// <summary>Uses clusters someone already started (their kubeconfig), writing CA files to a work folder when the kubeconfig embeds them.</summary>
    private static TestClusters Attach(string kubeConfigPath, TestClustersOptions options)
    {
        var config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(kubeConfigPath));
        var deleteWorkDir = string.IsNullOrEmpty(options.WorkDir);
        var workDir = options.WorkDir ?? Path.Combine(Path.GetTempPath(), "meshcluster-testground-attached-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(workDir);
        var clusters = new List<TestCluster>();
        foreach (var name in Names)
        {
            var context = config.Contexts?.FirstOrDefault(c => c.Name == name)
                ?? throw new InvalidOperationException($"{AttachVariable}={kubeConfigPath} has no context '{name}'.");
            var cluster = config.Clusters?.FirstOrDefault(c => c.Name == context.ContextDetails?.Cluster)?.ClusterEndpoint
                ?? throw new InvalidOperationException($"{AttachVariable}={kubeConfigPath}: context '{name}' names no known cluster.");
            var caFile = cluster.CertificateAuthority;
            if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
            {
                caFile = Path.Combine(workDir, $"{name}-ca.crt");
                File.WriteAllBytes(caFile, Convert.FromBase64String(cluster.CertificateAuthorityData));
            }
            else if (!string.IsNullOrEmpty(caFile) && !Path.IsPathRooted(caFile))
            {
                caFile = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(kubeConfigPath))!, caFile);
            }

            clusters.Add(new TestCluster(name, cluster.Server, caFile ?? string.Empty, FindCaKey(kubeConfigPath, name, caFile), Path.GetFullPath(kubeConfigPath),
                AdminClient(kubeConfigPath, name)));
        }

        return new TestClusters(workDir, Path.GetFullPath(kubeConfigPath), clusters, new List<ManagedProcess>(), deleteWorkDir, attached: true);
    }

    /// <summary>
    /// The CA key of an attached cluster when the kubeconfig is a test ground's own (its pki folder lies
    /// beside it and holds the same CA); null otherwise.
    /// </summary>
    private static string? FindCaKey(string kubeConfigPath, string name, string? caFile)
    {
        var pki = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(kubeConfigPath))!, name, "pki");
        var key = Path.Combine(pki, "ca.key");
        var cert = Path.Combine(pki, "ca.crt");
        if (string.IsNullOrEmpty(caFile) || !File.Exists(key) || !File.Exists(cert)) return null;
        return File.ReadAllText(cert).Trim() == File.ReadAllText(caFile).Trim() ? key : null;
    }

    private const string WorkDirPrefix = "meshcluster-testground-";
    private const string OwnerFile = "owner.pid";

    /// <summary>
    /// Deletes work folders of test processes that died without disposing (their servers were
    /// stopped by the watchdogs; only the etcd data and logs remain).
    /// </summary>
    private static void SweepAbandonedWorkDirs(Action<string> log)
    {
        foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), WorkDirPrefix + "*"))
        {
            try
            {
                var owner = Path.Combine(dir, OwnerFile);
                if (!File.Exists(owner) || !int.TryParse(File.ReadAllText(owner).Trim(), out var pid)) continue;
                if (Directory.Exists($"/proc/{pid}")) continue;
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < TimeSpan.FromMinutes(1)) continue;
                Directory.Delete(dir, recursive: true);
                log($"Deleted {dir}, left by process {pid}, which no longer runs.");
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
    }

    private static async Task StopAsync(List<ManagedProcess> processes)
    {
        ManagedProcess[] snapshot;
        lock (processes) snapshot = processes.ToArray();
        // Controller-managers and apiservers together, etcd (the first) last.
        await Task.WhenAll(snapshot.Skip(1).Select(p => p.DisposeAsync().AsTask())).ConfigureAwait(false);
        if (snapshot.Length > 0) await snapshot[0].DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var cluster in All) cluster.Admin.Dispose();
        if (!Attached) await StopAsync(_processes).ConfigureAwait(false);
        if (_deleteWorkDir && Environment.GetEnvironmentVariable("MESHCLUSTER_KEEP_TESTGROUND") is null or "" or "0")
        {
            try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
