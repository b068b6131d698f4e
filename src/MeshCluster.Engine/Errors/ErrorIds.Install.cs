namespace MeshCluster.Engine.Errors;

/// <summary>Ids of New-IstioRemoteInstallSpec and Install-IstioRemote.</summary>
public static partial class ErrorIds
{
    public const string InstallSpecValueEmpty = nameof(InstallSpecValueEmpty);
    public const string RemotePilotAddressInvalid = nameof(RemotePilotAddressInvalid);
    public const string InstallSpecValueConflict = nameof(InstallSpecValueConflict);

    /// <summary>-Values holds a table that contains itself, or is nested deeper than the limit.</summary>
    public const string InstallSpecValuesInvalid = nameof(InstallSpecValuesInvalid);
    public const string InstallSpecFileExists = nameof(InstallSpecFileExists);
    public const string InstallSpecFileWriteFailed = nameof(InstallSpecFileWriteFailed);
    public const string InstallSpecFileNotFound = nameof(InstallSpecFileNotFound);
    public const string InstallSpecInvalid = nameof(InstallSpecInvalid);

    /// <summary>-PrimaryClusterName with a profile other than Remote (only Istio 1.24+ primary-remote reads the annotation).</summary>
    public const string InstallSpecProfileConflict = nameof(InstallSpecProfileConflict);

    public const string IstioctlNotFound = nameof(IstioctlNotFound);
    public const string IstioctlStartFailed = nameof(IstioctlStartFailed);
    public const string IstioctlVersionUnknown = nameof(IstioctlVersionUnknown);
    public const string IstioctlFailed = nameof(IstioctlFailed);
}
