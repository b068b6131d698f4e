using System.Globalization;

namespace MeshCluster.Engine.Trust;

/// <summary>
/// Where a root rotation stands, recorded as annotations on each cluster's cacerts. On cacerts because the record then changes in
/// the same write as the material it describes (one replace, on the resourceVersion read: the two can never disagree, and an
/// interrupted call leaves each cluster either wholly before or wholly after its step), it is read with the rights the rotation
/// needs anyway, from any machine, and istiod ignores annotations (the kubelet's mounted files change only with data).
/// The material itself says which roots a cluster trusts and signs with; the record adds what the material cannot: when.
/// </summary>
internal sealed record MeshRotationRecord(MeshTrustPhase? Phase, string? NewRoot, string? OldRoot, DateTimeOffset? PhaseAt, string? SigningRoot, DateTimeOffset? SigningSince)
{
    private const string Prefix = "meshcluster.io/rotation-";
    public const string PhaseAnnotation = Prefix + "phase";
    public const string NewRootAnnotation = Prefix + "new-root-sha256";
    public const string OldRootAnnotation = Prefix + "old-root-sha256";
    public const string PhaseAtAnnotation = Prefix + "phase-at";

    /// <summary>"&lt;sha256&gt; &lt;time&gt;": since when the cluster signs with that root (written by SignWithNew; what -MinimumSoak counts from).</summary>
    public const string SigningSinceAnnotation = Prefix + "signing-since";

    public static readonly MeshRotationRecord None = new(null, null, null, null, null, null);

    public static MeshRotationRecord Read(IDictionary<string, string>? annotations)
    {
        if (annotations is null) return None;
        string? Get(string key) => annotations.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        MeshTrustPhase? phase = Enum.TryParse<MeshTrustPhase>(Get(PhaseAnnotation), ignoreCase: false, out var p) && Enum.IsDefined(p) ? p : null;
        string? signingRoot = null;
        DateTimeOffset? signingSince = null;
        if (Get(SigningSinceAnnotation)?.Split(' ', 2) is [var root, var since] && Time(since) is { } at)
        {
            (signingRoot, signingSince) = (root, at);
        }

        return new MeshRotationRecord(phase, Get(NewRootAnnotation), Get(OldRootAnnotation), Time(Get(PhaseAtAnnotation)), signingRoot, signingSince);
    }

    /// <summary>The annotations after this record, the Secret's others kept.</summary>
    public IDictionary<string, string> Apply(IDictionary<string, string>? existing)
    {
        var annotations = existing is null ? new Dictionary<string, string>(StringComparer.Ordinal) : new Dictionary<string, string>(existing, StringComparer.Ordinal);
        void Set(string key, string? value)
        {
            if (value is null) annotations.Remove(key);
            else annotations[key] = value;
        }

        Set(PhaseAnnotation, Phase?.ToString());
        Set(NewRootAnnotation, NewRoot);
        Set(OldRootAnnotation, OldRoot);
        Set(PhaseAtAnnotation, PhaseAt is { } at ? Format(at) : null);
        Set(SigningSinceAnnotation, SigningRoot is not null && SigningSince is { } since ? $"{SigningRoot} {Format(since)}" : null);
        return annotations;
    }

    public static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static DateTimeOffset? Time(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t) ? t : null;
}
