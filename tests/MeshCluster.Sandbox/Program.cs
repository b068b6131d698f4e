using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Runtime.InteropServices;
using System.Text.Json;
using k8s;
using MeshCluster.TestGround;

// MeshCluster sandbox: NOT a real Istio installation. Two local Kubernetes API servers (etcd,
// kube-apiserver, kube-controller-manager on 127.0.0.1), a simulated kubelet and load balancer,
// and an istioctl stand-in that creates what istioctl would.
//
//   demo                         runs the whole workflow once, then stops
//   start [--state-file <path>]  keeps the sandbox up until Ctrl+C, SIGTERM or SIGHUP; writes a JSON
//         [--stop-on-stdin-close] state file (kubeconfig, istioctl, module) that tests attach to through
//                                MESHCLUSTER_SANDBOX; with --stop-on-stdin-close it also stops when its
//                                standard input closes (the process that started it ended).
var mode = args.FirstOrDefault() ?? "demo";
var stateFile = Option("--state-file");
var stopOnStdinClose = args.Contains("--stop-on-stdin-close");
if (mode is not ("demo" or "start"))
{
    Console.Error.WriteLine("usage: MeshCluster.Sandbox demo | start [--state-file <path>] [--stop-on-stdin-close]");
    return 2;
}

var istioctl = RepositoryLayout.IstioctlStandIn;
var manifest = RepositoryLayout.ModuleManifest;

Say("starting two local clusters (real API servers on 127.0.0.1; simulated kubelet and load balancer; istioctl stand-in)");
await using var clusters = await TestClusters.StartAsync(new TestClustersOptions { Log = line => Say(line) });
Say($"kubeconfig: {clusters.KubeConfigPath} (contexts cluster1, cluster2), up in {clusters.StartupTime.TotalSeconds:0.0} s");

// What the "initial configuration" of Istio's guide leaves behind in the primary: an ingress gateway
// whose cloud load balancer assigns an address (a documentation address; nothing is sent to it).
const string discoveryAddress = "192.0.2.10";
await clusters.Cluster1.EnsureNamespaceAsync("istio-system");
await LoadBalancerSimulator.CreateServiceAsync(clusters.Cluster1.Admin, "istio-system", "istio-ingressgateway");
async Task AssignAddressAsync()
{
    await LoadBalancerSimulator.SetIngressAsync(clusters.Cluster1.Admin, "istio-system", "istio-ingressgateway", new (string?, string?)[] { (discoveryAddress, null) });
    Say($"load balancer assigned {discoveryAddress} to istio-system/istio-ingressgateway in cluster1");
}

await using var kubelet = SimulatedKubelet.Start(clusters.Cluster2.Admin, "istio-system", new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromSeconds(2) });
Environment.SetEnvironmentVariable("ISTIOCTL", istioctl);

if (mode == "start")
{
    await AssignAddressAsync();
    // More to try by hand (and what the Pester suite uses): a hostname address, an address still
    // pending, and a namespace whose pods crash.
    await LoadBalancerSimulator.CreateServiceAsync(clusters.Cluster1.Admin, "istio-system", "istio-eastwestgateway");
    await LoadBalancerSimulator.SetIngressAsync(clusters.Cluster1.Admin, "istio-system", "istio-eastwestgateway", new (string?, string?)[] { (null, "eastwest.example.com") });
    await LoadBalancerSimulator.CreateServiceAsync(clusters.Cluster1.Admin, "istio-system", "istio-ingressgateway-canary");
    // The east-west gateway as gen-eastwest-gateway.sh's charts label it, with the istiod ports, and Istio's CRDs in cluster1:
    // what Publish-IstioControlPlane and Get-IstioDiscoveryAddress -GatewaySelector read (their runnable help examples).
    await PrepareEastWestGatewayAsync(clusters.Cluster1.Admin);
    await IstioCrds.ApplyAsync(clusters.Cluster1.Admin);
    await using var crashing = SimulatedKubelet.Start(clusters.Cluster2.Admin, "istio-crashloop",
        new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromMilliseconds(500), Fate = _ => PodFate.CrashLoopBackOff });
    Say("cluster1 also has istio-system/istio-eastwestgateway (hostname eastwest.example.com) and istio-system/istio-ingressgateway-canary (no address yet); " +
        "in cluster2, pods of namespace istio-system become ready, pods of istio-crashloop crash");
    // Day two from the first minute: cluster2's remote secret in cluster1, as the guide's last step leaves
    // it, so Get-IstioRemoteSecret and Test-IstioRemoteCluster have a remote to show (runnable help examples).
    PublishRemoteSecret(clusters.KubeConfigPath);
    Say("cluster1 holds istio-system/istio-remote-secret-cluster2 (cluster2's reader token, published with Publish-IstioRemoteSecret -CreateServiceAccount)");

    stateFile = Path.GetFullPath(stateFile ?? Path.Combine(clusters.WorkDir, "sandbox.json"));
    WriteState(stateFile, new
    {
        kubeConfig = clusters.KubeConfigPath,
        istioctl,
        moduleManifest = manifest,
        contexts = clusters.All.Select(c => c.ContextName).ToArray(),
        discoveryAddress,
        pid = Environment.ProcessId,
        workDir = clusters.WorkDir,
    });

    Say($"up. In pwsh: Import-Module {manifest}; $env:KUBECONFIG = '{clusters.KubeConfigPath}'; $env:ISTIOCTL = '{istioctl}'");
    Say($"Pester tests attach with MESHCLUSTER_SANDBOX={stateFile}; xunit tests with {TestClusters.AttachVariable}={clusters.KubeConfigPath}.");
    Say("Ctrl+C stops the sandbox" + (stopOnStdinClose ? "; so does closing its standard input." : "."));
    await WaitForStopAsync(stopOnStdinClose);
    Say("stopping");
    try { File.Delete(stateFile); } catch (IOException) { }
    return 0;
}

_ = Task.Run(async () =>
{
    await Task.Delay(TimeSpan.FromSeconds(2));
    await AssignAddressAsync();
});
// The demo starts from zero: the primary's pods (istiod, the east-west gateway) run, and the load balancer gives the east-west
// gateway its address once istioctl has made its Service.
await using var primaryKubelet = SimulatedKubelet.Start(clusters.Cluster1.Admin, "istio-system", new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromSeconds(1) });
_ = Task.Run(async () =>
{
    const string eastWestAddress = "192.0.2.20";
    while (true)
    {
        try
        {
            await clusters.Cluster1.Admin.CoreV1.ReadNamespacedServiceAsync("istio-eastwestgateway", "istio-system");
            break;
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            await Task.Delay(200);
        }
    }

    await LoadBalancerSimulator.SetIngressAsync(clusters.Cluster1.Admin, "istio-system", "istio-eastwestgateway", new (string?, string?)[] { (eastWestAddress, null) });
    Say($"load balancer assigned {eastWestAddress} to istio-system/istio-eastwestgateway in cluster1");
});
// The demo installs the form of today's Istio (1.24+, profile remote): the stand-in plays istioctl 1.26.8.
Environment.SetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION", "1.26.8");
Say("running the workflow, trust first:");
Console.WriteLine(string.Join("\n", File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "demo.ps1"))
    .SkipWhile(l => l != "#region workflow").Skip(1).TakeWhile(l => l != "#endregion")));
var certificates = Directory.CreateTempSubdirectory("meshcluster-demo-certs-").FullName;
using var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
runspace.Open();
using var ps = PowerShell.Create();
ps.Runspace = runspace;
ps.AddCommand(Path.Combine(AppContext.BaseDirectory, "demo.ps1")).AddParameter("ModuleManifest", manifest).AddParameter("KubeConfig", clusters.KubeConfigPath)
    .AddParameter("CertificateFolder", certificates);
ps.Streams.Warning.DataAdded += (s, e) => Console.WriteLine("WARNING: " + ((PSDataCollection<WarningRecord>)s!)[e.Index].Message);
ps.Streams.Verbose.DataAdded += (s, e) => Console.WriteLine("VERBOSE: " + ((PSDataCollection<VerboseRecord>)s!)[e.Index].Message);
try
{
    var results = ps.Invoke();
    foreach (var result in results) Print(result);
    foreach (var cluster in new[] { clusters.Cluster1, clusters.Cluster2 })
    {
        var cacerts = await cluster.Admin.CoreV1.ReadNamespacedSecretAsync("cacerts", "istio-system");
        Say($"{cluster.Name} holds Secret istio-system/cacerts ({cacerts.Type}); data keys: {string.Join(", ", cacerts.Data.Keys)}");
    }

    Say($"certificates in {certificates}: {string.Join(", ", Directory.GetFiles(certificates, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(certificates, f)).Order())}");
    var secret = await clusters.Cluster1.Admin.CoreV1.ReadNamespacedSecretAsync("istio-remote-secret-cluster2", "istio-system");
    Say($"cluster1 now holds Secret istio-system/{secret.Metadata.Name} labelled istio/multiCluster={secret.Metadata.Labels["istio/multiCluster"]}; data keys: {string.Join(", ", secret.Data.Keys)}");
    Say("done; stopping the sandbox");
    return 0;
}
catch (RuntimeException ex)
{
    Console.Error.WriteLine($"FAILED: {ex.ErrorRecord.FullyQualifiedErrorId}: {ex.Message}");
    return 1;
}
finally
{
    // The demo's keys do not outlive it.
    Directory.Delete(certificates, recursive: true);
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

void PublishRemoteSecret(string kubeConfig)
{
    // Through the module, as a user would: what it writes is exactly what the cmdlets read back.
    using var publish = PowerShell.Create(InitialSessionState.CreateDefault2());
    publish.AddScript("""
        param($Manifest, $KubeConfig)
        Import-Module $Manifest
        Publish-IstioRemoteSecret -Context cluster2 -Name cluster2 -PrimaryContext cluster1 -CreateServiceAccount -KubeConfig $KubeConfig -WarningAction SilentlyContinue -ErrorAction Stop
        """).AddParameter("Manifest", manifest).AddParameter("KubeConfig", kubeConfig);
    _ = publish.Invoke();
    if (publish.HadErrors) throw new InvalidOperationException("Publishing cluster2's remote secret failed: " + string.Join("; ", publish.Streams.Error));
}

static void WriteState(string path, object state)
{
    // Written beside, then moved: a reader never sees half a file.
    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
    var temp = path + ".tmp";
    File.WriteAllText(temp, JsonSerializer.Serialize(state, new JsonSerializerOptions { WriteIndented = true }));
    File.Move(temp, path, overwrite: true);
}

static async Task WaitForStopAsync(bool stopOnStdinClose)
{
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
    void OnSignal(PosixSignalContext context) { context.Cancel = true; stop.TrySetResult(); }
    using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    using var hup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
    if (stopOnStdinClose)
    {
        // The starter holds our stdin open; when it ends (or closes it), the read returns 0.
        _ = Task.Run(() =>
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[256];
            try { while (stdin.Read(buffer, 0, buffer.Length) > 0) { } } catch (IOException) { }
            stop.TrySetResult();
        });
    }

    await stop.Task;
}

static void Print(PSObject item)
{
    Console.WriteLine();
    Console.WriteLine(item.BaseObject.GetType().FullName);
    foreach (var p in item.Properties)
    {
        var value = p.Value switch
        {
            string pem when pem.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal) => "-----BEGIN CERTIFICATE----- ... (PEM)",
            IEnumerable e and not string => string.Join(", ", e.Cast<object>()),
            var v => v,
        };
        Console.WriteLine($"  {p.Name,-20} : {value}");
    }
}

static void Say(string line) => Console.WriteLine($"[sandbox] {line}");

// gen-eastwest-gateway.sh's labels and its two istiod ports (tls-istiod 15012, tls-webhook 15017) on the sandbox's east-west gateway.
static async Task PrepareEastWestGatewayAsync(k8s.IKubernetes client)
{
    var patch = new
    {
        metadata = new { labels = new Dictionary<string, string> { ["istio"] = "eastwestgateway", ["app"] = "istio-eastwestgateway", ["topology.istio.io/network"] = "network1" } },
        spec = new
        {
            ports = new object[]
            {
                new { name = "status-port", port = 15021, targetPort = 15021, protocol = "TCP" },
                new { name = "tls", port = 15443, targetPort = 15443, protocol = "TCP" },
                new { name = "tls-istiod", port = 15012, targetPort = 15012, protocol = "TCP" },
                new { name = "tls-webhook", port = 15017, targetPort = 15017, protocol = "TCP" },
            },
        },
    };
    await k8s.CoreV1OperationsExtensions.PatchNamespacedServiceAsync(client.CoreV1, new k8s.Models.V1Patch(patch, k8s.Models.V1Patch.PatchType.MergePatch), "istio-eastwestgateway", "istio-system");
}
