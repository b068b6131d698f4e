namespace MeshCluster.Engine.Install;

/// <summary>Which IstioOperator form to write.</summary>
public enum InstallProfile
{
    /// <summary>The seed's form (Istio 1.6/1.7): values only, a full istiod runs in the remote.</summary>
    Default,

    /// <summary>Istio 1.24+ primary-remote: <c>profile: remote</c> with an injection path served by the primary.</summary>
    Remote,
}

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
