using MeshCluster.Engine.Naming;
using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Install;

/// <summary>New-IstioRemoteInstallSpec's logic: validate, build the values, write the YAML.</summary>
public static class InstallSpecBuilder
{
    /// <summary>The spec, not yet written anywhere (<see cref="IstioRemoteInstallSpec.Path"/> null).</summary>
    public static IstioRemoteInstallSpec Build(InstallSpecParameters p)
    {
        InstallSpecValidator.Validate(p);
        var values = IstioOperatorYaml.BuildValues(p);
        CheckNotOverridden(values, p);
        var g = values.TryGetValue("global", out var gv) ? gv as ValueMap : null;
        var ns = g is not null && g.TryGetValue("istioNamespace", out var n) && n is string s && s.Length > 0 ? s : IstioDefaults.Namespace;
        return new IstioRemoteInstallSpec(p.ClusterName, p.Network, p.MeshId, p.RemotePilotAddress, p.Profile, ns, null,
            IstioOperatorYaml.Write(p.Profile, values, p.PrimaryClusterName), p.PrimaryClusterName);
    }

    // -Values may add anything, but not silently change what the named parameters say: the spec
    // object's ClusterName (which later steps bind to) would no longer match its YAML.
    private static void CheckNotOverridden(ValueMap values, InstallSpecParameters p)
    {
        var expected = new List<(string[] Path, string Value)>
        {
            (new[] { "global", "meshID" }, p.MeshId),
            (new[] { "global", "multiCluster", "clusterName" }, p.ClusterName),
            (new[] { "global", "network" }, p.Network),
            (new[] { "global", "remotePilotAddress" }, p.RemotePilotAddress),
        };
        if (p.Profile == InstallProfile.Remote)
        {
            expected.Add((new[] { "istiodRemote", "injectionPath" }, IstioOperatorYaml.InjectionPath(p.ClusterName, p.Network)));
        }

        foreach (var (path, value) in expected)
        {
            var actual = Lookup(values, path);
            if (!Equals(actual, value))
            {
                var key = "values." + string.Join('.', path);
                throw new MeshClusterException(ErrorIds.InstallSpecValueConflict, ErrorCategory.InvalidArgument,
                    $"-Values sets {key} to '{actual ?? "(nothing)"}', but the spec's own parameters make it '{value}'. Use the parameter instead.",
                    target: key);
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
}
