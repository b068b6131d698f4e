using System.Management.Automation;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Install;

namespace MeshCluster.Engine.Primary;

/// <summary>
/// Which primary form an istioctl version's charts install as meant, checked by Install-IstioPrimary after reading istioctl's version and
/// before anything runs (paths in istio/istio):
/// <list type="bullet">
/// <item>meshExpansion (Istio 1.7's guide) is rendered by gateways/istio-ingress/templates/meshexpansion.yaml up to 1.8; from 1.9 the charts
/// know no meshExpansion, so istiod would not be reachable through the ingress gateway.</item>
/// <item>values.global.externalIstiod exists from 1.8. istio-discovery/templates/deployment.yaml turns it into EXTERNAL_ISTIOD=true in
/// 1.8-1.9 and again from 1.23; 1.10-1.22 set that variable only from values.pilot.env.EXTERNAL_ISTIOD. Without it the primary's istiod
/// never configures a remote-profile remote (pilot/pkg/serviceregistry/kube/controller/multicluster.go checkShouldLead).</item>
/// </list>
/// </summary>
public static class PrimaryFormRules
{
    /// <summary>Throws InstallSpecNotPrimary or InstallSpecFormUnsupported (nothing run); returns warnings.</summary>
    public static IReadOnlyList<string> Check(IstioctlVersion version, PrimaryOperatorSummary spec, string target)
    {
        if (spec.Common.IsRemoteProfile || spec.Common.RemotePilotAddress is not null)
        {
            throw new MeshClusterException(ErrorIds.InstallSpecNotPrimary, ErrorCategory.InvalidArgument,
                "The spec is a remote's (it sets " + (spec.Common.IsRemoteProfile ? "profile: remote" : "values.global.remotePilotAddress") +
                "). Nothing was run. Install it with Install-IstioRemote, or make the primary's spec with New-IstioPrimaryInstallSpec.", target: target);
        }

        if (spec.MeshExpansion && version.AtLeast(1, 9))
        {
            throw Refuse($"The spec has the form of Istio 1.7's guide (values.global.meshExpansion.enabled), which istioctl {version} does not know: " +
                         "from 1.9 Istio's charts have no meshexpansion.yaml, so istiod would not be exposed on the ingress gateway and the remotes " +
                         "could not reach it.", target,
                "Make the spec with New-IstioPrimaryInstallSpec -Form ExternalIstiod -EastWestGateway (istioctl 1.8 and later) and expose istiod with " +
                "Publish-IstioControlPlane, or run this form with istioctl 1.7 or 1.8.");
        }

        if (spec.ExternalIstiod && !version.AtLeast(1, 8))
        {
            throw Refuse($"The spec sets values.global.externalIstiod, which istioctl {version}'s charts do not know (it appeared in 1.8): istiod would " +
                         "not serve remotes that have none of their own.", target,
                "Use istioctl 1.8 or later, or with this istioctl the 1.7 guide's form: New-IstioPrimaryInstallSpec -Form MeshExpansion.");
        }

        if (spec.ExternalIstiod && version.AtLeast(1, 10) && !version.AtLeast(1, 23) && !spec.PilotEnvExternalIstiod)
        {
            throw Refuse($"The spec sets values.global.externalIstiod, which istioctl {version}'s istiod template does not turn into EXTERNAL_ISTIOD=true " +
                         "(1.10 to 1.22 read values.pilot.env.EXTERNAL_ISTIOD): the primary's istiod would never configure a remote-profile remote.", target,
                "Add -Values @{ pilot = @{ env = @{ EXTERNAL_ISTIOD = 'true' } } } to New-IstioPrimaryInstallSpec, or use istioctl 1.23 or later.");
        }

        var warnings = new List<string>();
        if (!spec.GatewayOnly && !spec.MeshExpansion && !spec.Gateways.Contains(EastWestGateway.Name, StringComparer.Ordinal))
        {
            warnings.Add($"The spec installs no east-west gateway ({EastWestGateway.Name}): remotes reach istiod through one. Install it with " +
                         "New-IstioPrimaryInstallSpec -EastWestGatewayOnly -Network <network> | Install-IstioPrimary, then Publish-IstioControlPlane.");
        }

        return warnings;
    }

    private static MeshClusterException Refuse(string problem, string target, string action) =>
        new(ErrorIds.InstallSpecFormUnsupported, ErrorCategory.InvalidOperation, $"{problem} Nothing was run. {action}", target: target, recommendedAction: action);
}
