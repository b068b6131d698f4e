using System.Globalization;
using System.Management.Automation;
using System.Text.Json;
using System.Text.RegularExpressions;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Install;

/// <summary>istioctl's client version, and the install command that version understands.</summary>
public sealed partial record IstioctlVersion(string Text, int Major, int Minor, int Patch)
{
    /// <summary><c>istioctl install</c> replaced <c>manifest apply</c> in 1.7.</summary>
    public bool HasInstallCommand => AtLeast(1, 7);

    /// <summary>True from <paramref name="major"/>.<paramref name="minor"/> on (any patch, pre-releases included).</summary>
    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    /// <summary>"1.26": the release line, as Istio's charts and notes name it.</summary>
    public string MinorText => $"{Major}.{Minor}";

    /// <summary>
    /// A version as Istio writes it on what it installs (a label such as operator.istio.io/version, an image tag): "1.7.8",
    /// "v1.26.0", "1.24.0-beta.0", "1.22.1-distroless"; null for anything else.
    /// </summary>
    public static IstioctlVersion? TryParse(string? text)
    {
        var match = text is null ? null : VersionPattern().Match(text.Trim());
        if (match is null || !match.Success) return null;
        var parts = new int[3];
        for (var i = 0; i < 3; i++)
        {
            var group = match.Groups[i + 1];
            if (group.Success && !int.TryParse(group.Value, NumberStyles.None, CultureInfo.InvariantCulture, out parts[i])) return null;
        }

        return new IstioctlVersion(text!.Trim(), parts[0], parts[1], parts[2]);
    }

    [GeneratedRegex(@"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-+.].*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();

    /// <summary>Reads the output of <c>istioctl version --remote=false -o json</c>.</summary>
    public static IstioctlVersion Parse(string output, string istioctlPath)
    {
        // Some releases print a notice before the JSON: take the outermost object.
        var start = output.IndexOf('{');
        var end = output.LastIndexOf('}');
        string? text = null;
        if (start >= 0 && end > start)
        {
            try
            {
                using var doc = JsonDocument.Parse(output[start..(end + 1)]);
                if (doc.RootElement.TryGetProperty("clientVersion", out var client) && client.ValueKind == JsonValueKind.Object &&
                    client.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String)
                {
                    text = v.GetString();
                }
            }
            catch (JsonException)
            {
            }
        }

        var match = text is null ? null : VersionPattern().Match(text);
        if (match is null || !match.Success)
        {
            var shown = output.Length > 300 ? output[..300] + "..." : output;
            throw new MeshClusterException(ErrorIds.IstioctlVersionUnknown, ErrorCategory.InvalidResult,
                $"Cannot tell the version of istioctl '{istioctlPath}' from 'istioctl version --remote=false -o json': " +
                (text is null ? $"no clientVersion.version in its output '{shown.Trim()}'." : $"'{text}' is not a version."),
                target: istioctlPath);
        }

        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return new IstioctlVersion(text!, Part(1), Part(2), Part(3));
    }

    /// <summary>The install command line (without the executable) for this version.</summary>
    public IReadOnlyList<string> InstallArguments(string specFile, string context, string? kubeConfigFile)
    {
        var args = HasInstallCommand
            ? new List<string> { "install", "-y", "-f", specFile }
            : new List<string> { "manifest", "apply", "-f", specFile };
        args.Add("--context");
        args.Add(context);
        if (kubeConfigFile is not null)
        {
            args.Add("--kubeconfig");
            args.Add(kubeConfigFile);
        }

        return args;
    }

    public override string ToString() => Text;
}
