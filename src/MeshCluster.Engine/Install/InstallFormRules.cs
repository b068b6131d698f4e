using System.Management.Automation;
using System.Net;
using System.Text.RegularExpressions;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Install;

/// <summary>
/// Which form of remote, and which remotePilotAddress, an istioctl version's charts can install: checked by Install-IstioRemote
/// after reading istioctl's version and before anything runs, so a refusal leaves the cluster untouched. From Istio's charts
/// (paths in istio/istio):
/// <list type="bullet">
/// <item>The 1.7 guide's form (remotePilotAddress, no <c>profile: remote</c>: a local istiod plus Service/Endpoints istiod-remote,
/// manifests/charts/base/templates/services.yaml and endpoints.yaml) exists up to 1.23. From 1.24 those templates are gone and
/// istio-discovery's remote-istiod-service.yaml and remote-istiod-endpoints.yaml render only with istiodRemote.enabled (1.25-1.26
/// render the Service from remotePilotAddress alone, beside the local istiod's own Service istiod): the "remote" becomes an
/// independent primary.</item>
/// <item>1.7-1.14 write remotePilotAddress into Endpoints istiod-remote as <c>ip:</c> (base/templates/endpoints.yaml), so a host name
/// fails half-way through the install; 1.15-1.23 give a non-IPv4 address an ExternalName Service istiod-remote instead.</item>
/// <item><c>profile: remote</c> leaves istiod out from 1.16 (manifests/profiles/remote.yaml enables the istiodRemote component and
/// disables pilot; 1.24+ manifests/helm-profiles/remote.yaml sets istiodRemote.enabled). Before that the name meant something else:
/// 1.7's remote profile is the default one without Prometheus, 1.8-1.14's is <c>spec: {}</c> (the default profile, a full istiod),
/// and 1.15 has none.</item>
/// <item>In the remote profile an address the charts do not take for an IP becomes <c>type: ExternalName</c> (istiod-remote/templates/
/// services.yaml 1.16-1.23; istio-discovery remote-istiod-service.yaml 1.24+). Their IP test is IPv4 only until 1.29; 1.30 adds IPv6
/// (remote-istiod-service.yaml, remote-istiod-endpointslices.yaml). An IPv6 address as an ExternalName is refused by the API server
/// (it must be a DNS name), again half-way through the install.</item>
/// </list>
/// </summary>
public static partial class InstallFormRules
{
    /// <summary>The last istioctl whose charts render the 1.7 guide's form (istiod-remote beside a local istiod).</summary>
    public const string GuideFormLast = "1.23";

    /// <summary>The first istioctl whose remote profile runs the remote without istiod.</summary>
    public const string RemoteProfileFirst = "1.16";

    // The charts' own test for an IP address (every template above).
    [GeneratedRegex(@"^([0-9]*\.){3}[0-9]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ChartIPv4();

    // Added beside it in 1.30 (remote-istiod-service.yaml, remote-istiod-endpointslices.yaml).
    [GeneratedRegex(@"^([0-9a-fA-F]*:)+[0-9a-fA-F]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ChartIPv6();

    /// <summary>
    /// Throws InstallSpecFormUnsupported or RemotePilotAddressUnsupported (both InvalidOperation) when this istioctl cannot install
    /// the spec as meant; returns the warnings for what it installs but will not work well.
    /// </summary>
    /// <param name="target">The spec's file, else its cluster name: the refusal's target.</param>
    public static IReadOnlyList<string> Check(IstioctlVersion version, IstioOperatorSummary spec, string target)
    {
        var address = spec.RemotePilotAddress;
        return spec.IsRemoteProfile ? CheckRemoteProfile(version, address, target)
            : address is not null ? CheckGuideForm(version, address, target)
            : Array.Empty<string>(); // no remote spec at all (a primary's, say): nothing to judge
    }

    /// <summary>True where the charts of this version write the address as an IP (Endpoints, EndpointSlice), not as an ExternalName.</summary>
    public static bool ChartTakesForIp(IstioctlVersion version, string address) =>
        ChartIPv4().IsMatch(address) || (version.AtLeast(1, 30) && ChartIPv6().IsMatch(address));

    // The message says what to do, too: a pipeline log shows the message and the id, not ErrorDetails.RecommendedAction.
    private static MeshClusterException Refuse(string id, string problem, string target, string action) =>
        new(id, ErrorCategory.InvalidOperation, $"{problem} Nothing was run. {action}", target: target, recommendedAction: action);

    private static IReadOnlyList<string> CheckGuideForm(IstioctlVersion version, string address, string target)
    {
        if (version.AtLeast(1, 24))
        {
            throw Refuse(ErrorIds.InstallSpecFormUnsupported,
                $"The spec has the form of Istio's 1.7 guide (remotePilotAddress without profile: remote), which istioctl {version} installs as an " +
                "independent primary: from 1.24 Istio's charts render the remote's istiod Service and Endpoints only for the remote profile " +
                "(istiodRemote.enabled), so a full istiod would run there and remotePilotAddress would do nothing.",
                target,
                "Make the spec with New-IstioRemoteInstallSpec ... -Profile Remote -PrimaryClusterName <primary cluster> " +
                $"(istioctl {RemoteProfileFirst} and later), or run the guide's form with istioctl {GuideFormLast} or earlier.");
        }

        var isIp = IPAddress.TryParse(address, out _);
        if (!isIp && !version.AtLeast(1, 15))
        {
            throw Refuse(ErrorIds.RemotePilotAddressUnsupported,
                $"remotePilotAddress '{address}' is a host name, which istioctl {version} writes into Endpoints istiod-remote as an IP " +
                "(manifests/charts/base/templates/endpoints.yaml before 1.15): the API server would refuse it half-way through the install.",
                address,
                "Give the IP address the name resolves to, or use istioctl 1.15 to 1.23, whose charts make an ExternalName Service of a host name.");
        }

        if (isIp && version.AtLeast(1, 15) && !ChartTakesForIp(version, address))
        {
            throw Refuse(ErrorIds.RemotePilotAddressUnsupported,
                $"remotePilotAddress '{address}' is an IP address that istioctl {version}'s charts take for a host name (they match IPv4 only): " +
                "they would make Service istiod-remote of type ExternalName with it, which the API server refuses (an ExternalName must be a DNS name).",
                address,
                "Give an IPv4 address (the gateway's), or a DNS name for it; istioctl 1.7 to 1.14 write any IP into Endpoints istiod-remote.");
        }

        return Array.Empty<string>();
    }

    private static IReadOnlyList<string> CheckRemoteProfile(IstioctlVersion version, string? address, string target)
    {
        if (!version.AtLeast(1, 16))
        {
            var meaning = version.AtLeast(1, 15) ? "has no remote profile"
                : version.AtLeast(1, 8) ? "has a remote profile that is the default profile (spec: {}): a full istiod would run in the remote"
                : "has a remote profile that is the default profile without Prometheus: a full istiod would run in the remote";
            throw Refuse(ErrorIds.InstallSpecFormUnsupported,
                $"The spec asks for the remote profile (profile: remote, no istiod in the remote), but istioctl {version} {meaning} " +
                $"(manifests/profiles/remote.yaml); the remote profile leaves istiod out from {RemoteProfileFirst}.",
                target,
                $"Use istioctl {RemoteProfileFirst} or later (1.24 and later for Istio's current primary-remote guide), or with this istioctl " +
                "the guide's form: New-IstioRemoteInstallSpec without -Profile Remote and -PrimaryClusterName.");
        }

        if (address is null) return Array.Empty<string>();
        if (IPAddress.TryParse(address, out _))
        {
            if (ChartTakesForIp(version, address)) return Array.Empty<string>();
            throw Refuse(ErrorIds.RemotePilotAddressUnsupported,
                $"remotePilotAddress '{address}' is an IP address that istioctl {version}'s charts take for a host name (their IP test matches " +
                (version.AtLeast(1, 30) ? "IPv4 and plain IPv6 only" : "IPv4 only until 1.30") + "): they would make Service istiod of type " +
                "ExternalName with it, which the API server refuses (an ExternalName must be a DNS name), half-way through the install.",
                address,
                version.AtLeast(1, 30)
                    ? "Give the address in plain form (no zone, no embedded IPv4), or an IPv4 address."
                    : "Use istioctl 1.30 or later for an IPv6 address, or give an IPv4 address of the primary's gateway.");
        }

        // A name works for the install, not for injection (istio#45014): Kubernetes cannot call a webhook through an ExternalName Service.
        return new[]
        {
            $"remotePilotAddress '{address}' is a host name: the remote profile makes Service istiod of type ExternalName from it, and the API server " +
            "cannot call the sidecar injector through such a Service (\"unsupported service type ExternalName\", istio#45014): pods in injected " +
            "namespaces of the remote would fail to start. Prefer the IP address of the primary's gateway.",
        };
    }
}
