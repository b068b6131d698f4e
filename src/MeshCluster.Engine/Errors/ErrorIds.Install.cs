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

    /// <summary>
    /// Install-IstioRemote: the spec's form is not what this istioctl installs as meant (the 1.7 guide's form with istioctl 1.24+,
    /// which would make an independent primary; profile: remote before 1.16, which still runs istiod). Nothing is run.
    /// </summary>
    public const string InstallSpecFormUnsupported = nameof(InstallSpecFormUnsupported);

    /// <summary>
    /// Install-IstioRemote: this istioctl's charts cannot write the spec's remotePilotAddress (a host name in the guide's form before
    /// 1.15; an IPv6 address they take for a host name, as an ExternalName). Nothing is run.
    /// </summary>
    public const string RemotePilotAddressUnsupported = nameof(RemotePilotAddressUnsupported);
}
