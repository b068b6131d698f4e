namespace MeshCluster.Engine.Install;

/// <summary>
/// What New-IstioRemoteInstallSpec was asked for. <see cref="Values"/> holds plain .NET values only
/// (dictionaries, lists, strings, booleans, numbers): the cmdlet layer unwraps PowerShell's objects.
/// <see cref="PrimaryClusterName"/> (profile Remote only) becomes the spec's topology.istio.io/controlPlaneClusters annotation.
/// </summary>
public sealed record InstallSpecParameters(
    string ClusterName,
    string Network,
    string MeshId,
    string RemotePilotAddress,
    InstallProfile Profile = InstallProfile.Default,
    IReadOnlyDictionary<string, object?>? Values = null,
    string? PrimaryClusterName = null);
