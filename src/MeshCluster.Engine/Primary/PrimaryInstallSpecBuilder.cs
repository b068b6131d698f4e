using System.Management.Automation;
using System.Text.RegularExpressions;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Primary;

/// <summary>
/// New-IstioPrimaryInstallSpec's logic: validate, build the IstioOperator, write its YAML (quoted as the remote's spec is:
/// <see cref="IstioOperatorYaml"/>). The forms, from Istio's docs and charts:
/// <list type="bullet">
/// <item>ExternalIstiod (istio.io primary-remote, 1.8+): values.global meshID, multiCluster.clusterName, network, externalIstiod: true
/// (istio-discovery/templates/deployment.yaml turns it into EXTERNAL_ISTIOD=true in 1.8-1.9 and from 1.23; 1.10-1.22 read
/// values.pilot.env.EXTERNAL_ISTIOD, which Install-IstioPrimary asks for there).</item>
/// <item>MeshExpansion (Istio 1.7's "initial configuration"): values.global meshExpansion.enabled: true and meshNetworks
/// &lt;network&gt;: endpoints [fromRegistry: &lt;cluster&gt;], gateways [registry_service_name: istio-ingressgateway.istio-system.svc.cluster.local,
/// port 443] (the 1.7 page mis-indents endpoints; written here as global.yaml's comment means it), plus the ingress gateway the
/// profile enables, named, so the spec says what istiod is reached through (gateways/istio-ingress/templates/meshexpansion.yaml).</item>
/// </list>
/// </summary>
public static partial class PrimaryInstallSpecBuilder
{
    // A Kubernetes label value: the network is the gateway's and istio-system's topology.istio.io/network label.
    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex LabelValue();

    /// <summary>The spec, not yet written anywhere (<see cref="IstioPrimaryInstallSpec.Path"/> null).</summary>
    public static IstioPrimaryInstallSpec Build(PrimaryInstallSpecParameters p)
    {
        Validate(p);
        var spec = new ValueMap();
        var values = new ValueMap();
        if (!p.ControlPlane)
        {
            // gen-eastwest-gateway.sh: profile empty (no istiod, no base), the gateway, its injection template and the network.
            spec["profile"] = "empty";
            spec.Map("components")["ingressGateways"] = new List<object?> { EastWestGateway.Component(p.Network) };
            EastWestGateway.AddInjectionTemplate(values);
            values.Map("global")["network"] = p.Network;
        }
        else
        {
            var g = values.Map("global");
            g["meshID"] = p.MeshId;
            g.Map("multiCluster")["clusterName"] = p.ClusterName;
            g["network"] = p.Network;
            if (p.Form == PrimaryInstallForm.MeshExpansion)
            {
                g.Map("meshExpansion")["enabled"] = true;
                var network = g.Map("meshNetworks").Map(p.Network);
                network["endpoints"] = new List<object?> { ValueMap.From(new (string, object?)[] { ("fromRegistry", p.ClusterName) }) };
                network["gateways"] = new List<object?>
                {
                    ValueMap.From(new (string, object?)[] { ("registry_service_name", "istio-ingressgateway.istio-system.svc.cluster.local"), ("port", 443) }),
                };
                spec.Map("components")["ingressGateways"] = new List<object?>
                {
                    ValueMap.From(new (string, object?)[] { ("name", "istio-ingressgateway"), ("enabled", true) }),
                };
            }
            else
            {
                g["externalIstiod"] = true;
                if (p.EastWestGateway)
                {
                    spec.Map("components")["ingressGateways"] = new List<object?> { EastWestGateway.Component(p.Network) };
                    EastWestGateway.AddInjectionTemplate(values);
                }
            }
        }

        if (p.Values is not null) ValuesMerger.Merge(values, p.Values);
        CheckNotOverridden(values, p);
        spec["values"] = values;

        var fields = new List<(string, object?)> { ("apiVersion", IstioOperatorYaml.ApiVersion), ("kind", IstioOperatorYaml.Kind) };
        if (!p.ControlPlane) fields.Add(("metadata", ValueMap.From(new (string, object?)[] { ("name", EastWestGateway.OperatorName) })));
        fields.Add(("spec", spec));
        var yaml = IstioOperatorYaml.WriteDocument(ValueMap.From(fields.ToArray()));

        var ns = values.TryGetValue("global", out var gv) && gv is ValueMap gm && gm.TryGetValue("istioNamespace", out var n) && n is string { Length: > 0 } s
            ? s : IstioDefaults.Namespace;
        return new IstioPrimaryInstallSpec(p.ControlPlane ? p.ClusterName : null, p.Network, p.ControlPlane ? p.MeshId : null, p.Form, p.ControlPlane,
            !p.ControlPlane || p.EastWestGateway, ns, null, yaml);
    }

    /// <summary>Writes the spec's YAML to <paramref name="path"/> (no clobber unless forced) and returns the spec that says where it is.</summary>
    public static IstioPrimaryInstallSpec Write(IstioPrimaryInstallSpec spec, string path, bool force)
    {
        InstallSpecFile.Write(path, spec.Yaml, force);
        return new IstioPrimaryInstallSpec(spec.ClusterName, spec.Network, spec.MeshId, spec.Form, spec.ControlPlane, spec.EastWestGateway,
            spec.Namespace, path, spec.Yaml);
    }

    private static void Validate(PrimaryInstallSpecParameters p)
    {
        if (p.ControlPlane)
        {
            NotEmpty(p.ClusterName, "ClusterName");
            NotEmpty(p.Network, "Network");
            NotEmpty(p.MeshId, "MeshId");
            ClusterNameRule.Validate(p.ClusterName);
        }
        else
        {
            NotEmpty(p.Network, "Network");
        }

        if (p.Network.Length > 63 || !LabelValue().IsMatch(p.Network))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecNetworkInvalid, ErrorCategory.InvalidArgument,
                $"-Network '{p.Network}' cannot be a Kubernetes label value (at most 63 letters, digits, '-', '_' and '.', starting and ending " +
                "with a letter or digit): Istio puts it on the gateway and on istio-system as topology.istio.io/network.", target: p.Network);
        }

        if (p.Form == PrimaryInstallForm.MeshExpansion && (p.EastWestGateway || !p.ControlPlane))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecFormConflict, ErrorCategory.InvalidArgument,
                "An east-west gateway belongs to the ExternalIstiod form (Istio 1.8 and later): in Istio 1.7's guide (-Form MeshExpansion) remotes " +
                "reach istiod through the ingress gateway, which meshExpansion opens on port 15012. Leave out -EastWestGateway, or use -Form ExternalIstiod.",
                target: "EastWestGateway");
        }
    }

    // -Values may add anything, but not silently change what the named parameters say (the spec object would no longer match its YAML).
    private static void CheckNotOverridden(ValueMap values, PrimaryInstallSpecParameters p)
    {
        var expected = new List<(string[] Path, object? Value)> { (new[] { "global", "network" }, p.Network) };
        if (p.ControlPlane)
        {
            expected.Add((new[] { "global", "meshID" }, p.MeshId));
            expected.Add((new[] { "global", "multiCluster", "clusterName" }, p.ClusterName));
            expected.Add(p.Form == PrimaryInstallForm.MeshExpansion
                ? (new[] { "global", "meshExpansion", "enabled" }, true)
                : (new[] { "global", "externalIstiod" }, true));
        }

        foreach (var (path, value) in expected)
        {
            var actual = Lookup(values, path);
            if (!Equals(actual, value))
            {
                var key = "values." + string.Join('.', path);
                throw new MeshClusterException(ErrorIds.InstallSpecValueConflict, ErrorCategory.InvalidArgument,
                    $"-Values sets {key} to '{actual ?? "(nothing)"}', but the spec's own parameters make it '{(value is bool b ? (b ? "true" : "false") : value)}'. " +
                    "Use the parameter instead.", target: key);
            }
        }
    }

    private static object? Lookup(ValueMap map, string[] path)
    {
        object? node = map;
        foreach (var key in path)
        {
            if (node is not ValueMap m || !m.TryGetValue(key, out node)) return null;
        }

        return node;
    }

    private static void NotEmpty(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecValueEmpty, ErrorCategory.InvalidArgument,
                $"-{name} is empty; the primary's IstioOperator needs it (the error's target names the parameter).", target: name);
        }
    }
}
