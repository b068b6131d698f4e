namespace MeshCluster.Engine.Primary;

/// <summary>
/// What New-IstioPrimaryInstallSpec was asked for. <see cref="ControlPlane"/> false: the east-west gateway alone (profile: empty), as
/// samples/multicluster/gen-eastwest-gateway.sh emits it for a primary that is already installed. <see cref="Values"/> holds plain .NET
/// values only (the cmdlet layer unwraps PowerShell's objects).
/// </summary>
public sealed record PrimaryInstallSpecParameters(
    string? ClusterName,
    string Network,
    string? MeshId,
    PrimaryInstallForm Form = PrimaryInstallForm.ExternalIstiod,
    bool ControlPlane = true,
    bool EastWestGateway = false,
    IReadOnlyDictionary<string, object?>? Values = null);
