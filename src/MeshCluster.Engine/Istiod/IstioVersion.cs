using System.Globalization;
using System.Text.RegularExpressions;

namespace MeshCluster.Engine.Istiod;

/// <summary>An Istio release, as istiod's image tag names it (<c>1.26.0</c>, <c>1.24.3-distroless</c>, <c>1.22</c>).</summary>
public sealed partial record IstioVersion(int Major, int Minor, int Patch)
{
    [GeneratedRegex(@"^v?(\d{1,4})\.(\d{1,4})(?:\.(\d{1,4}))?(?:[-+_.].*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>Null when the text starts with no major.minor version (<c>latest</c>, <c>master</c>, a commit).</summary>
    public static IstioVersion? TryParse(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var match = Pattern().Match(text);
        if (!match.Success) return null;
        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        return new IstioVersion(Part(1), Part(2), Part(3));
    }

    /// <summary>The tag of a container image reference, null for none (a digest alone, or no tag).</summary>
    /// <remarks><c>registry:5000/istio/pilot:1.26.0@sha256:...</c> gives <c>1.26.0</c>: a port's colon comes before the last '/'.</remarks>
    public static string? TagOf(string? image)
    {
        if (string.IsNullOrWhiteSpace(image)) return null;
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var reference = at >= 0 ? image[..at] : image;
        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash && colon < reference.Length - 1 ? reference[(colon + 1)..] : null;
    }

    /// <summary>True for this release or a later one.</summary>
    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    public override string ToString() => $"{Major}.{Minor}.{Patch}";
}
