// istioctl stand-in. Environment:
//   ISTIOCTL_STANDIN_VERSION   version to be (default 1.24.0)
//   ISTIOCTL_STANDIN_LOG       file: one JSON line per invocation {"pid":n,"args":[...],"kubeconfigEnv":...}
//   ISTIOCTL_STANDIN_FAIL=1    install prints an error and exits 2
//   ISTIOCTL_STANDIN_WAIT_FOR  file: after its first progress line, install waits (up to 60 s) until it exists,
//                              so a test can prove the caller saw that line before the process ended.
// For a spec with profile: remote it says (stdout) which primary the namespace's topology.istio.io/controlPlaneClusters
// annotation names when the install starts, or (stderr) that it is missing: the primary's istiod would ignore the remote.
using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using YamlDotNet.RepresentationModel;

var version = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_VERSION") is { Length: > 0 } v ? v : "1.24.0";
Log(args);

if (args.Length == 0)
{
    Console.WriteLine("Istio configuration command line utility (stand-in).");
    return 0;
}

if (args[0] == "version")
{
    if (args.Contains("--remote=false") && Flag(args, "-o", "--output") == "json")
    {
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            clientVersion = new { version, revision = "0000000000000000000000000000000000000000", golang_version = "go1.23.2", status = "Clean", tag = version },
        }));
    }
    else
    {
        Console.WriteLine($"client version: {version}");
    }

    return 0;
}

var (major, minor) = ParseVersion(version);
var modern = major > 1 || (major == 1 && minor >= 7);
bool manifestApply = args.Length >= 2 && args[0] == "manifest" && args[1] == "apply";
if (args[0] == "install" && !modern || !(args[0] == "install" || manifestApply))
{
    Console.Error.WriteLine($"Error: unknown command \"{args[0]}\" for \"istioctl\"");
    Console.Error.WriteLine("Run 'istioctl --help' for usage.");
    return 1;
}

var file = Flag(args, "-f", "--filename");
if (file is null || !File.Exists(file))
{
    Console.Error.WriteLine($"Error: could not read the IstioOperator file '{file}'");
    return 1;
}

var ns = IstioNamespace(file);
var remoteProfile = SpecField(file, "spec", "profile") == "remote";
await Say($"This will install the Istio {version} profile \"default\" into the cluster.");
var handshake = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_WAIT_FOR");
if (!string.IsNullOrEmpty(handshake))
{
    await Say($"waiting for {handshake}");
    var until = DateTime.UtcNow.AddSeconds(60);
    while (!File.Exists(handshake))
    {
        if (DateTime.UtcNow > until)
        {
            Console.Error.WriteLine("Error: handshake file never appeared (output was not read while istioctl ran)");
            return 3;
        }

        await Task.Delay(50);
    }
}

if (Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_FAIL") == "1")
{
    await Say(modern ? "✘ Istio core encountered an error" : "- Applying manifest for component Base...", error: true);
    Console.Error.WriteLine("Error: failed to install manifests: simulated failure (ISTIOCTL_STANDIN_FAIL=1)");
    return 2;
}

IKubernetes client;
try
{
    client = new Kubernetes(Config(Flag(args, "--kubeconfig", null), Flag(args, "--context", null)));
}
catch (Exception ex)
{
    Console.Error.WriteLine($"Error: cannot load kubeconfig: {ex.Message}");
    return 1;
}

try
{
    if (remoteProfile) await SayControlPlane(client, ns);
    await Say(modern ? "✔ Istio core installed" : "- Applying manifest for component Base...");
    await CreateOrReplace(() => client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = ns } }), () => Task.CompletedTask);
    var sa = new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "istio-reader-service-account", NamespaceProperty = ns } };
    await CreateOrReplace(() => client.CoreV1.CreateNamespacedServiceAccountAsync(sa, ns), () => Task.CompletedTask);
    await GrantReader(client, ns);
    var istiodSa = new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "istiod", NamespaceProperty = ns } };
    await CreateOrReplace(() => client.CoreV1.CreateNamespacedServiceAccountAsync(istiodSa, ns), () => Task.CompletedTask);
    if (!modern) await Say("✔ Finished applying manifest for component Base.");

    await Say(modern ? "- Processing resources for Istiod." : "- Applying manifest for component Pilot...", error: true);
    await Deploy(client, ns, "istiod", "istiod", $"docker.io/istio/pilot:{version}");
    await Say(modern ? "✔ Istiod installed" : "✔ Finished applying manifest for component Pilot.");

    if (!modern)
    {
        // 1.6's default profile also ran prometheus in the remote (Istio's guide lists its pod).
        await Say("- Applying manifest for component AddonComponents...");
        await Deploy(client, ns, "prometheus", "prometheus", "docker.io/prom/prometheus:v2.15.1");
        await Say("✔ Finished applying manifest for component AddonComponents.");
        await Say("✔ Installation complete");
    }
    else
    {
        await Say("✔ Installation complete");
    }
}
catch (HttpOperationException ex)
{
    Console.Error.WriteLine($"Error: the API server answered {(int)ex.Response.StatusCode}: {ex.Response.Content}");
    return 1;
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"Error: cannot reach the API server: {ex.Message}");
    return 1;
}

return 0;

static async Task Say(string line, bool error = false)
{
    (error ? Console.Error : Console.Out).WriteLine(line);
    (error ? Console.Error : Console.Out).Flush();
    await Task.Delay(100);
}

static string? Flag(string[] a, string name, string? alias)
{
    for (var i = 0; i < a.Length; i++)
    {
        foreach (var n in alias is null ? new[] { name } : new[] { name, alias })
        {
            if (a[i] == n && i + 1 < a.Length) return a[i + 1];
            if (a[i].StartsWith(n + "=", StringComparison.Ordinal)) return a[i][(n.Length + 1)..];
        }
    }

    return null;
}

static (int, int) ParseVersion(string text)
{
    var parts = text.TrimStart('v').Split('.', '-');
    return (int.Parse(parts[0]), parts.Length > 1 ? int.Parse(parts[1]) : 0);
}

static string IstioNamespace(string file) => SpecField(file, "spec", "values", "global", "istioNamespace") ?? "istio-system";

static string? SpecField(string file, params string[] path)
{
    var stream = new YamlStream();
    stream.Load(new StringReader(File.ReadAllText(file)));
    YamlNode? node = stream.Documents[0].RootNode;
    foreach (var key in path)
    {
        node = node is YamlMappingNode m && m.Children.TryGetValue(new YamlScalarNode(key), out var c) ? c : null;
    }

    return node is YamlScalarNode { Value: { Length: > 0 } s } ? s : null;
}

// What the namespace carries when the install starts (Istio 1.24 primary-remote: set before the install).
static async Task SayControlPlane(IKubernetes client, string ns)
{
    const string annotation = "topology.istio.io/controlPlaneClusters";
    string? primary = null;
    try
    {
        var existing = await client.CoreV1.ReadNamespaceAsync(ns);
        primary = existing.Metadata.Annotations is { } a && a.TryGetValue(annotation, out var v) ? v : null;
    }
    catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
    {
    }

    if (primary is null)
    {
        await Say($"! Namespace {ns} carries no {annotation}: the primary's istiod will not configure this remote", error: true);
    }
    else
    {
        await Say($"✔ Namespace {ns} is controlled by cluster {primary} ({annotation})");
    }
}

static KubernetesClientConfiguration Config(string? kubeconfig, string? context)
{
    if (kubeconfig is not null) return KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig, context);
    var list = Environment.GetEnvironmentVariable("KUBECONFIG");
    var files = (list ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config"))
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(f => new FileInfo(f)).ToArray();
    // kubectl's merge: the first file to name a context, cluster or user wins (KubernetesClient's own merge is not public).
    var configs = files.Where(f => f.Exists).Select(f => KubernetesClientConfiguration.LoadKubeConfig(f, false)).ToList();
    var merged = configs[0];
    merged.CurrentContext = configs.Select(c => c.CurrentContext).FirstOrDefault(c => !string.IsNullOrEmpty(c));
    merged.Contexts = configs.SelectMany(c => c.Contexts ?? []).DistinctBy(c => c.Name).ToList();
    merged.Clusters = configs.SelectMany(c => c.Clusters ?? []).DistinctBy(c => c.Name).ToList();
    merged.Users = configs.SelectMany(c => c.Users ?? []).DistinctBy(c => c.Name).ToList();
    return KubernetesClientConfiguration.BuildConfigFromConfigObject(merged, context);
}

static async Task CreateOrReplace(Func<Task> create, Func<Task> replace)
{
    try
    {
        await create();
    }
    catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.Conflict)
    {
        await replace();
    }
}

// The istio-discovery chart's reader-clusterrole.yaml and its binding: what lets the primary's istiod
// read this cluster through istio-reader-service-account (the remote secret's identity).
static async Task GrantReader(IKubernetes client, string ns)
{
    var name = $"istio-reader-clusterrole-{ns}";
    string[] read = { "get", "list", "watch" };
    var role = new V1ClusterRole
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "istio-reader" } },
        Rules = new List<V1PolicyRule>
        {
            new() { ApiGroups = new[] { "config.istio.io", "security.istio.io", "networking.istio.io", "authentication.istio.io", "rbac.istio.io", "telemetry.istio.io", "extensions.istio.io" }, Resources = new[] { "*" }, Verbs = read },
            new() { ApiGroups = new[] { "" }, Resources = new[] { "endpoints", "pods", "services", "nodes", "replicationcontrollers", "namespaces", "secrets", "configmaps" }, Verbs = read },
            new() { ApiGroups = new[] { "discovery.k8s.io" }, Resources = new[] { "endpointslices" }, Verbs = read },
            new() { ApiGroups = new[] { "apps" }, Resources = new[] { "replicasets" }, Verbs = read },
            new() { ApiGroups = new[] { "authentication.k8s.io" }, Resources = new[] { "tokenreviews" }, Verbs = new[] { "create" } },
            new() { ApiGroups = new[] { "authorization.k8s.io" }, Resources = new[] { "subjectaccessreviews" }, Verbs = new[] { "create" } },
        },
    };
    await CreateOrReplace(() => client.RbacAuthorizationV1.CreateClusterRoleAsync(role), () => client.RbacAuthorizationV1.ReplaceClusterRoleAsync(role, name));
    var binding = new V1ClusterRoleBinding
    {
        Metadata = new V1ObjectMeta { Name = name },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = name },
        Subjects = new List<Rbacv1Subject> { new() { Kind = "ServiceAccount", Name = "istio-reader-service-account", NamespaceProperty = ns } },
    };
    await CreateOrReplace(() => client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(binding), () => client.RbacAuthorizationV1.ReplaceClusterRoleBindingAsync(binding, name));
}

static async Task Deploy(IKubernetes client, string ns, string name, string app, string image)
{
    var labels = new Dictionary<string, string> { ["app"] = app, ["istio.io/rev"] = "default" };
    var deployment = new V1Deployment
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1DeploymentSpec
        {
            Replicas = 1,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = app } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = labels },
                Spec = new V1PodSpec
                {
                    ServiceAccountName = name == "istiod" ? "istiod" : null,
                    Containers = new List<V1Container> { new() { Name = name == "istiod" ? "discovery" : name, Image = image } },
                },
            },
        },
    };
    await CreateOrReplace(() => client.AppsV1.CreateNamespacedDeploymentAsync(deployment, ns),
        () => client.AppsV1.ReplaceNamespacedDeploymentAsync(deployment, name, ns));
}

static void Log(string[] args)
{
    var log = Environment.GetEnvironmentVariable("ISTIOCTL_STANDIN_LOG");
    if (string.IsNullOrEmpty(log)) return;
    var line = JsonSerializer.Serialize(new { pid = Environment.ProcessId, args, kubeconfigEnv = Environment.GetEnvironmentVariable("KUBECONFIG") });
    // Several processes may append at once; retry briefly on a sharing conflict.
    for (var attempt = 0; ; attempt++)
    {
        try
        {
            File.AppendAllText(log, line + Environment.NewLine);
            return;
        }
        catch (IOException) when (attempt < 20)
        {
            Thread.Sleep(25);
        }
    }
}
