using System.Management.Automation;
using System.Net;
using System.Text.RegularExpressions;
using MeshCluster.Engine.Errors;
using MeshCluster.Engine.Naming;

namespace MeshCluster.Engine.Install;

/// <summary>Checks a spec's values before anything is written, so a bad value never reaches a file or a cluster.</summary>
public static partial class InstallSpecValidator
{
    // RFC 1123 host name: labels of letters, digits and inner hyphens, joined by dots (a trailing dot allowed).
    [GeneratedRegex(@"^(?=.{1,253}\.?$)([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex DnsName();

    [GeneratedRegex(@"^[0-9.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DigitsAndDots();

    public static void Validate(InstallSpecParameters p)
    {
        NotEmpty(p.ClusterName, "ClusterName");
        NotEmpty(p.Network, "Network");
        NotEmpty(p.MeshId, "MeshId");
        NotEmpty(p.RemotePilotAddress, "RemotePilotAddress");

        ClusterNameRule.Validate(p.ClusterName);
        if (p.PrimaryClusterName is not null) ValidatePrimary(p);

        if (!IsIpOrDnsName(p.RemotePilotAddress))
        {
            throw new MeshClusterException(ErrorIds.RemotePilotAddressInvalid, ErrorCategory.InvalidArgument,
                $"The remote pilot address '{p.RemotePilotAddress}' is neither an IP address nor a DNS name. " +
                "Give the address of the primary's gateway (Get-IstioDiscoveryAddress reads it).", target: p.RemotePilotAddress);
        }
    }

    // Istio 1.24+ primary-remote: the remote's namespace names the cluster whose istiod controls it. A remote with
    // its own istiod (the guide's form) must not carry it, and no cluster controls itself from afar.
    private static void ValidatePrimary(InstallSpecParameters p)
    {
        if (p.Profile != InstallProfile.Remote)
        {
            throw new MeshClusterException(ErrorIds.InstallSpecProfileConflict, ErrorCategory.InvalidArgument,
                $"-PrimaryClusterName applies to -Profile Remote only (Istio 1.24+ primary-remote); with -Profile {p.Profile} the remote runs its own istiod.",
                target: p.PrimaryClusterName);
        }

        // What istiod accepts there: one cluster name, a comma-separated list of them, or * (any primary's istiod).
        var names = ControlPlaneClustersAnnotation.Parse(p.PrimaryClusterName);
        if (names.Contains(p.ClusterName, StringComparer.Ordinal))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecValueConflict, ErrorCategory.InvalidArgument,
                $"-PrimaryClusterName '{p.PrimaryClusterName}' names the remote's own -ClusterName '{p.ClusterName}'; name the primary cluster whose istiod controls this remote.",
                target: p.PrimaryClusterName);
        }
    }

    public static bool IsIpOrDnsName(string value)
    {
        if (IPAddress.TryParse(value, out var ip))
        {
            // IPAddress.TryParse takes "1" or "1.2" as IPv4 shorthands; an address in a spec must be written out.
            return ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || value.Count(c => c == '.') == 3;
        }

        // "1.2.3" or "300.1.1.1" look like mistyped IPs, not names.
        return !DigitsAndDots().IsMatch(value) && DnsName().IsMatch(value);
    }

    private static void NotEmpty(string? value, string name)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new MeshClusterException(ErrorIds.InstallSpecValueEmpty, ErrorCategory.InvalidArgument,
                $"-{name} is empty; the remote's IstioOperator needs it (the error's target names the parameter).", target: name);
        }
    }
}
