using System.Management.Automation;
using System.Text.RegularExpressions;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Naming;

/// <summary>
/// The rule for a mesh cluster name, shared by the install spec and the remote secret: Istio names
/// the remote secret istio-remote-secret-&lt;name&gt; and create-remote-secret --name demands a DNS-1123 label.
/// </summary>
public static partial class ClusterNameRule
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    public static bool IsDns1123Label(string? value) =>
        !string.IsNullOrEmpty(value) && value.Length <= 63 && Dns1123Label().IsMatch(value);

    /// <summary>Throws ClusterNameInvalid (InvalidArgument, target the name) unless the name is a DNS-1123 label.</summary>
    public static void Validate(string? name)
    {
        if (IsDns1123Label(name)) return;
        throw new MeshClusterException(ErrorIds.ClusterNameInvalid, ErrorCategory.InvalidArgument,
            $"The cluster name '{name}' is not a DNS-1123 label (at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit). " +
            "Istio names the remote secret after it.",
            target: name);
    }
}
