namespace MeshCluster.Engine.Http;

/// <summary>Major and minor of an API server's /version, as Kubernetes reports them ("1", "20+").</summary>
public readonly record struct KubeServerVersion(int Major, int Minor)
{
    /// <summary>Reads the leading digits: managed clusters report minors like "20+" or "24-gke".</summary>
    public static KubeServerVersion? Parse(string? major, string? minor)
    {
        var ma = LeadingNumber(major);
        var mi = LeadingNumber(minor);
        return ma is null || mi is null ? null : new KubeServerVersion(ma.Value, mi.Value);
    }

    /// <summary>From 1.24 Kubernetes no longer makes a token secret for each service account.</summary>
    public bool MakesTokenSecrets => Major < 1 || (Major == 1 && Minor < 24);

    public override string ToString() => $"{Major}.{Minor}";

    private static int? LeadingNumber(string? text)
    {
        if (string.IsNullOrEmpty(text)) return null;
        var digits = 0;
        while (digits < text.Length && char.IsAsciiDigit(text[digits])) digits++;
        return digits == 0 || digits > 6 ? null : int.Parse(text.AsSpan(0, digits), System.Globalization.CultureInfo.InvariantCulture);
    }
}
