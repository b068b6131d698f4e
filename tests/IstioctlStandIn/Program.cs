// istioctl stand-in. Environment:
//   ISTIOCTL_STANDIN_VERSION   version to be (default 1.24.0)
//   ISTIOCTL_STANDIN_LOG       file: one JSON line per invocation {"pid":n,"args":[...],"kubeconfigEnv":...}
//   ISTIOCTL_STANDIN_FAIL=1    install prints an error and exits 2
//   ISTIOCTL_STANDIN_WAIT_FOR  file: after its first progress line, install waits (up to 60 s) until it exists,
//                              so a test can prove the caller saw that line before the process ended.
// For a spec with profile: remote it says (stdout) which primary the namespace's topology.istio.io/controlPlaneClusters
// annotation names when the install starts, or (stderr) that it is missing: the primary's istiod would ignore the remote.
// What install writes into the cluster, per version and form, is what Istio's charts render (Charts.cs cites them).
using System.Net;
using System.Text.Json;
using IstioctlStandIn;
using k8s;
using k8s.Autorest;
using k8s.Models;

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

var istio = IstioVersion.Parse(version);
var modern = istio.AtLeast(7);
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

var spec = InstallSpec.Read(file);
var ns = spec.Namespace;
await Say($"This will install the Istio {version} profile \"{spec.Profile ?? "default"}\" into the cluster.");
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

if (spec.RemoteProfile && !istio.AtLeast(24))
{
    // Before 1.24 the remote profile was another set of charts (1.7: the default profile without prometheus; 1.23: the
    // istiod-remote chart); the stand-in plays only the 1.24+ one rather than pretend.
    Console.Error.WriteLine($"Error: the istioctl stand-in renders profile \"remote\" only as Istio 1.24 and later do (it is {version}).");
    return 1;
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

var components = Charts.Render(istio, version, spec);
string? current = null;
IKubernetesObject<V1ObjectMeta>? applying = null;
try
{
    if (spec.RemoteProfile) await SayControlPlane(client, ns);
    await Applier.EnsureNamespaceAsync(client, ns, istio.AtLeast(24) ? spec.Network : null);
    foreach (var component in components)
    {
        current = component.Name;
        if (modern && component.Name == "Pilot") await Say("- Processing resources for Istiod.", error: true);
        if (!modern) await Say($"- Applying manifest for component {component.Name}...", error: component.Name == "Pilot");
        foreach (var obj in component.Objects)
        {
            applying = obj;
            await Applier.ApplyAsync(client, obj);
        }

        applying = null;
        if (modern) await Say(component.Name switch { "Base" => "✔ Istio core installed", "IngressGateways" => "✔ Ingress gateways installed", _ => "✔ Istiod installed" });
        else await Say($"✔ Finished applying manifest for component {component.Name}.");
    }

    await Say("✔ Installation complete");
}
catch (HttpOperationException ex) when (applying is not null)
{
    // As istioctl reports a refused object: the component, the object and the API server's own words; nothing after it is applied.
    var title = current switch { "Base" => "Istio core", "Pilot" => "Istiod", "IngressGateways" => "Ingress gateways", _ => current };
    await Say($"✘ {title} encountered an error: failed to create \"{Applier.Describe(applying)}\": {ApiMessage(ex)}", error: true);
    Console.Error.WriteLine("Error: failed to install manifests: errors occurred during operation");
    return 1;
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

static string ApiMessage(HttpOperationException ex)
{
    try
    {
        using var doc = JsonDocument.Parse(ex.Response.Content);
        return doc.RootElement.GetProperty("message").GetString() ?? ex.Response.Content;
    }
    catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
    {
        return $"{(int)ex.Response.StatusCode} {ex.Response.Content}";
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
