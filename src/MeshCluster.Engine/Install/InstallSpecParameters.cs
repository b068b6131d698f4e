namespace MeshCluster.Engine.Install;

/// <summary>
/// What New-IstioRemoteInstallSpec was asked for. <see cref="Values"/> holds plain .NET values only
/// (dictionaries, lists, strings, booleans, numbers): the cmdlet layer unwraps PowerShell's objects.
/// </summary>
public sealed record InstallSpecParameters(
    string ClusterName,
    string Network,
    string MeshId,
    string RemotePilotAddress,
    InstallProfile Profile = InstallProfile.Default,
    IReadOnlyDictionary<string, object?>? Values = null);
