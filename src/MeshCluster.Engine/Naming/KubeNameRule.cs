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
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Subdomain();

    /// <summary>A namespace name: a DNS-1123 label.</summary>
    public static void RequireNamespace(string? name, string parameter) =>
        Require(ClusterNameRule.IsDns1123Label(name), name, parameter, "a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit)");

    /// <summary>A name of most kinds (a service account, a secret): a DNS-1123 subdomain.</summary>
    public static void RequireName(string? name, string parameter) =>
        Require(name is { Length: > 0 and <= 253 } && Dns1123Subdomain().IsMatch(name), name, parameter,
            "a DNS-1123 subdomain (at most 253 lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit)");

    private static void Require(bool valid, string? name, string parameter, string rule)
    {
        if (valid) return;
        throw new MeshClusterException(ErrorIds.ResourceNameInvalid, ErrorCategory.InvalidArgument,
            $"{parameter} '{name}' is not a valid Kubernetes name: it must be {rule}.", target: name);
    }
}
