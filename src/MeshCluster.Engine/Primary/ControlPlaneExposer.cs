using System.Management.Automation;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Http;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Primary;

/// <summary>
/// Publish-IstioControlPlane: <c>kubectl apply -n istio-system -f samples/multicluster/expose-istiod.yaml</c> (istio/istio 1.26.8), natively:
/// Gateway istiod-gateway (selector istio: eastwestgateway; servers tls-istiod 15012 and tls-istiodwebhook 15017, protocol tls,
/// tls.mode PASSTHROUGH, hosts "*") and VirtualService istiod-vs (hosts "*", gateways [istiod-gateway], tls routes: port 15012 with
/// sniHosts "*" to istiod.&lt;ns&gt;.svc.cluster.local:15012, port 15017 to its port 443). Server-side applied, and not sent at all when the
/// object already has exactly this spec.
/// </summary>
public static class ControlPlaneExposer
{
    public const string Activity = "Exposing istiod on the east-west gateway";
    public const string GatewayName = "istiod-gateway";
    public const string VirtualServiceName = "istiod-vs";
    public const string FieldManager = "meshcluster";
    private const string Group = "networking.istio.io";

    // expose-istiod.yaml uses v1 (Istio 1.22+ CRDs); older CRDs serve the same objects as v1beta1 (1.8+) or v1alpha3.
    private static readonly string[] Versions = { "v1", "v1beta1", "v1alpha3" };

    /// <summary>
    /// Checks, asks (one ShouldProcess per object that would change; both asked before either is sent), applies; null when declined or -WhatIf.
    /// </summary>
    public static async Task<IstioControlPlaneExposure?> ExposeAsync(KubeConnection connection, string ns, string selectorText,
        Func<string, string, Task<bool>> confirm, IOperationReporter reporter, CancellationToken ct)
    {
        KubeNameRule.RequireNamespace(ns, "-Namespace");
        var selector = GatewaySelector.Parse(selectorText);
        var where = $"namespace '{ns}' of context '{connection.ContextName}'";

        reporter.Progress(Activity, $"{connection.ContextName}: reading Istio's networking CRDs", 10);
        var version = await ServedVersionAsync(connection, ct).ConfigureAwait(false);
        reporter.Verbose($"Istio's CRDs serve {Group}/{version} in context '{connection.ContextName}'.");

        reporter.Progress(Activity, $"{connection.ContextName}: finding the gateway {GatewaySelector.Format(selector)}", 30);
        var services = await GatewaySelector.FindServicesAsync(connection, ns, selector, ct).ConfigureAwait(false);
        foreach (var service in services) WarnAboutService(service, where, GatewaySelector.Format(selector), reporter);
        var gatewayService = services[0];

        var desired = new[]
        {
            (Kind: "Gateway", Plural: "gateways", Name: GatewayName, Spec: GatewaySpec(selector)),
            (Kind: "VirtualService", Plural: "virtualservices", Name: VirtualServiceName, Spec: VirtualServiceSpec(ns)),
        };
        var actions = new ExposureAction[desired.Length];
        for (var i = 0; i < desired.Length; i++)
        {
            var (kind, plural, name, spec) = desired[i];
            var existing = await KubeApi.TryGetAsync(connection, $"reading {kind} {ns}/{name}",
                c => c.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, version, ns, plural, name, cancellationToken: c.Token), ct).ConfigureAwait(false);
            actions[i] = existing is null ? ExposureAction.Created
                : JsonNode.DeepEquals(JsonSerializer.SerializeToNode(existing)?["spec"], spec) ? ExposureAction.Unchanged
                : ExposureAction.Updated;
            if (actions[i] == ExposureAction.Unchanged) reporter.Verbose($"{kind} {ns}/{name} in context '{connection.ContextName}' is already as expose-istiod.yaml has it.");
        }

        // Both questions first (so -WhatIf shows both), then both writes.
        var confirmed = true;
        for (var i = 0; i < desired.Length; i++)
        {
            if (actions[i] == ExposureAction.Unchanged) continue;
            confirmed &= await confirm($"{desired[i].Kind} {ns}/{desired[i].Name} ({Group}/{version}) in context '{connection.ContextName}'",
                $"{(actions[i] == ExposureAction.Created ? "Create" : "Update")} (server-side apply as '{FieldManager}')").ConfigureAwait(false);
        }

        if (!confirmed)
        {
            reporter.ProgressCompleted(Activity);
            return null;
        }

        for (var i = 0; i < desired.Length; i++)
        {
            var (kind, plural, name, spec) = desired[i];
            if (actions[i] == ExposureAction.Unchanged) continue;
            reporter.Progress(Activity, $"{connection.ContextName}: applying {kind} {ns}/{name}", 60 + 20 * i);
            reporter.Verbose($"{actions[i]} {kind} {ns}/{name} in context '{connection.ContextName}' (server-side apply as '{FieldManager}').");
            var body = new JsonObject
            {
                ["apiVersion"] = $"{Group}/{version}",
                ["kind"] = kind,
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns },
                ["spec"] = spec.DeepClone(),
            };
            await KubeApi.CallAsync(connection, $"applying {kind} {ns}/{name}",
                c => c.Client.CustomObjects.PatchNamespacedCustomObjectAsync(new V1Patch(body.ToJsonString(), V1Patch.PatchType.ApplyPatch), Group, version, ns, plural, name,
                    fieldManager: FieldManager, force: true, cancellationToken: c.Token), ct).ConfigureAwait(false);
        }

        reporter.ProgressCompleted(Activity);
        return new IstioControlPlaneExposure(connection.ContextName, ns, GatewaySelector.Format(selector), gatewayService.Metadata.Name,
            GatewaySelector.Address(gatewayService), $"{Group}/{version}", actions[0], actions[1]);
    }

    /// <summary>expose-istiod.yaml's Gateway spec, with the selector given.</summary>
    public static JsonObject GatewaySpec(IReadOnlyList<KeyValuePair<string, string>> selector)
    {
        var labels = new JsonObject();
        foreach (var (k, v) in selector) labels[k] = v;
        JsonObject Server(string name, int port) => new()
        {
            ["port"] = new JsonObject { ["name"] = name, ["number"] = port, ["protocol"] = "tls" },
            ["tls"] = new JsonObject { ["mode"] = "PASSTHROUGH" },
            ["hosts"] = new JsonArray("*"),
        };
        return new JsonObject
        {
            ["selector"] = labels,
            ["servers"] = new JsonArray(Server("tls-istiod", 15012), Server("tls-istiodwebhook", 15017)),
        };
    }

    /// <summary>expose-istiod.yaml's VirtualService spec (its host istiod.istio-system.svc.cluster.local, for the namespace given).</summary>
    public static JsonObject VirtualServiceSpec(string ns)
    {
        var host = $"istiod.{ns}.svc.cluster.local";
        JsonObject Route(int port, int target) => new()
        {
            ["match"] = new JsonArray(new JsonObject { ["port"] = port, ["sniHosts"] = new JsonArray("*") }),
            ["route"] = new JsonArray(new JsonObject { ["destination"] = new JsonObject { ["host"] = host, ["port"] = new JsonObject { ["number"] = target } } }),
        };
        return new JsonObject
        {
            ["hosts"] = new JsonArray("*"),
            ["gateways"] = new JsonArray(GatewayName),
            ["tls"] = new JsonArray(Route(15012, 15012), Route(15017, 443)),
        };
    }

    private static async Task<string> ServedVersionAsync(KubeConnection connection, CancellationToken ct)
    {
        string? chosen = null;
        foreach (var plural in new[] { "gateways", "virtualservices" })
        {
            var name = $"{plural}.{Group}";
            var crd = await KubeApi.TryGetAsync(connection, $"reading CustomResourceDefinition {name}",
                c => c.Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: c.Token), ct).ConfigureAwait(false);
            var served = crd?.Spec?.Versions?.Where(v => v.Served).Select(v => v.Name).ToHashSet(StringComparer.Ordinal) ?? new HashSet<string>();
            var version = Versions.FirstOrDefault(served.Contains);
            if (version is null)
            {
                throw new MeshClusterException(ErrorIds.IstioCrdsNotFound, ErrorCategory.ObjectNotFound,
                    $"Context '{connection.ContextName}' has no CustomResourceDefinition {name} serving {string.Join(", ", Versions)}: Istio is not installed there. " +
                    "Install the primary first (New-IstioPrimaryInstallSpec | Install-IstioPrimary). Nothing was written.", target: name);
            }

            // Both kinds in one version: the older of the two newest ones.
            chosen = chosen is null || Array.IndexOf(Versions, version) > Array.IndexOf(Versions, chosen) ? version : chosen;
        }

        return chosen!;
    }

    private static void WarnAboutService(V1Service service, string where, string selector, IOperationReporter reporter)
    {
        var name = service.Metadata.Name;
        var ports = service.Spec?.Ports?.Select(p => p.Port).ToHashSet() ?? new HashSet<int>();
        var missing = new[] { 15012, 15017 }.Where(p => !ports.Contains(p)).ToList();
        if (missing.Count > 0)
        {
            reporter.Warning($"Service {name} in {where} has no port {string.Join(" or ", missing)}: the Gateway would listen there, but remotes could not reach " +
                             "istiod through the load balancer (gen-eastwest-gateway.sh gives the gateway tls-istiod 15012 and tls-webhook 15017). " +
                             "Reinstall the gateway with New-IstioPrimaryInstallSpec -EastWestGatewayOnly.");
        }

        if (GatewaySelector.Address(service) is null)
        {
            reporter.Warning($"Service {name} in {where} has no load-balancer address yet: remotes need it as remotePilotAddress. " +
                             $"Get-IstioDiscoveryAddress -GatewaySelector {selector} -Wait waits for it.");
        }
    }
}
