using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Security.Cryptography.X509Certificates;
using k8s;
using MeshCluster.TestGround;

// MeshCluster sandbox: NOT a real Istio installation. Two local Kubernetes API servers (etcd,
// kube-apiserver, kube-controller-manager on 127.0.0.1), a simulated kubelet and load balancer,
// and an istioctl stand-in that creates what istioctl would.
var mode = args.FirstOrDefault() ?? "demo";
if (mode is not ("demo" or "start"))
{
    Console.Error.WriteLine("usage: MeshCluster.Sandbox demo | start");
    return 2;
}

var istioctl = RepositoryLayout.IstioctlStandIn;
var manifest = RepositoryLayout.ModuleManifest;

Say("starting two local clusters (real API servers on 127.0.0.1; simulated kubelet and load balancer; istioctl stand-in)");
await using var clusters = await TestClusters.StartAsync(new TestClustersOptions { Log = line => Say(line) });
Say($"kubeconfig: {clusters.KubeConfigPath} (contexts cluster1, cluster2), up in {clusters.StartupTime.TotalSeconds:0.0} s");

// What the "initial configuration" of Istio's guide leaves behind in the primary: an ingress gateway
// whose cloud load balancer assigns an address (a documentation address; nothing is sent to it).
await clusters.Cluster1.EnsureNamespaceAsync("istio-system");
await LoadBalancerSimulator.CreateServiceAsync(clusters.Cluster1.Admin, "istio-system", "istio-ingressgateway");
_ = Task.Run(async () =>
{
    await Task.Delay(TimeSpan.FromSeconds(2));
    await LoadBalancerSimulator.SetIngressAsync(clusters.Cluster1.Admin, "istio-system", "istio-ingressgateway", new (string?, string?)[] { ("192.0.2.10", null) });
    Say("load balancer assigned 192.0.2.10 to istio-system/istio-ingressgateway in cluster1");
});
await using var kubelet = SimulatedKubelet.Start(clusters.Cluster2.Admin, "istio-system", new SimulatedKubeletOptions { ReadyAfter = TimeSpan.FromSeconds(2) });
Environment.SetEnvironmentVariable("ISTIOCTL", istioctl);

if (mode == "start")
{
    Say($"up. In pwsh: Import-Module {manifest}; $env:KUBECONFIG = '{clusters.KubeConfigPath}'; $env:ISTIOCTL = '{istioctl}'");
    Say($"tests can attach: {TestClusters.AttachVariable}={clusters.KubeConfigPath}. Ctrl+C stops the sandbox.");
    var stop = new TaskCompletionSource();
    Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
    await stop.Task;
    Say("stopping");
    return 0;
}

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

static void Print(PSObject item)
{
    Console.WriteLine();
    Console.WriteLine(item.BaseObject.GetType().FullName);
    foreach (var p in item.Properties)
    {
        var value = p.Value switch
        {
            X509Certificate2 c => $"[certificate {c.SubjectName.Decode(X500DistinguishedNameFlags.None)}]",
            IEnumerable e and not string => string.Join(", ", e.Cast<object>()),
            var v => v,
        };
        Console.WriteLine($"  {p.Name,-20} : {value}");
    }
}

static void Say(string line) => Console.WriteLine($"[sandbox] {line}");

