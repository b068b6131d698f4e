using System.Management.Automation;
using System.Text.RegularExpressions;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Naming;

/// <summary>
/// Kubernetes' own rules for the names the module puts in request paths (namespaces, service accounts),
/// checked before the first request, so that a name like ".." never reaches a URL or leaves half a change behind.
/// </summary>
public static partial class KubeNameRule
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Subdomain();

    /// <summary>True for a namespace name (a DNS-1123 label): such a name needs no escaping in a path and is never "." or "..".</summary>
    public static bool IsNamespace(string? name) => ClusterNameRule.IsDns1123Label(name);

    /// <summary>True for a name of most kinds (a DNS-1123 subdomain): no '/', no '%', never "." or "..".</summary>
    public static bool IsName(string? name) => name is { Length: > 0 and <= 253 } && Dns1123Subdomain().IsMatch(name);

    /// <summary>A Service name: a DNS-1035 label (Kubernetes' rule), checked here as the looser DNS-1123 label, which is just as safe in a path.</summary>
    public static void RequireServiceName(string? name, string parameter) =>
        Require(ClusterNameRule.IsDns1123Label(name), name, parameter, "a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)");

    /// <summary>A namespace name: a DNS-1123 label.</summary>
    public static void RequireNamespace(string? name, string parameter) =>
        Require(ClusterNameRule.IsDns1123Label(name), name, parameter, "a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)");

    /// <summary>A name of most kinds (a service account, a secret): a DNS-1123 subdomain.</summary>
    public static void RequireName(string? name, string parameter) =>
        Require(IsName(name), name, parameter,
            "a DNS-1123 subdomain (at most 253 lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit)");

    private static void Require(bool valid, string? name, string parameter, string rule)
    {
        if (valid) return;
        throw new MeshClusterException(ErrorIds.ResourceNameInvalid, ErrorCategory.InvalidArgument,
            $"{parameter} '{Printable.Quote(name)}' is not a valid Kubernetes name: it must be {rule}. Nothing was sent.", target: name);
    }
}
