using MeshCluster.Engine.Istiod;

namespace MeshCluster.Engine.Trust;

/// <summary>How cacerts changed under a running istiod.</summary>
public enum CacertsChange
{
    /// <summary>istiod started without plug-in certificates (no cacerts, or one istiod generated itself): it made its own CA.</summary>
    FirstPlugIn,

    /// <summary>A new intermediate; root-cert.pem the same, byte for byte (what istiod compares).</summary>
    Intermediate,

    /// <summary>root-cert.pem changed; <see cref="CacertsReload.Advise"/> is told whether one bundle contains the other.</summary>
    Root,
}

/// <summary>What a running istiod does with a new cacerts, by version.</summary>
/// <param name="RestartNeeded">True when istiod keeps signing with its old CA until restarted; null when its version cannot tell.</param>
public sealed record CacertsReloadAdvice(bool? RestartNeeded, string Message);

/// <summary>
/// istiod's reload of plug-in certificates (pilot/pkg/bootstrap/istio_ca.go): it watches its mounted cacerts only when it started
/// with them; then a new intermediate under the same root-cert.pem is reloaded behind AUTO_RELOAD_PLUGIN_CERTS in 1.12-1.17
/// (default false), 1.18 (default true), and always from 1.19. A changed root-cert.pem is ignored ("updating new ROOT-CA not
/// supported") unless istiod is 1.20+ with ISTIO_MULTIROOT_MESH=true and one bundle contains the other.
/// </summary>
public static class CacertsReload
{
    public static CacertsReloadAdvice Advise(IstiodDeployment istiod, CacertsChange change, bool rootBundlesNested)
    {
        var v = istiod.Version;
        var known = v is null ? $"its version cannot be read ({istiod.VersionSource})" : $"istiod {v}";
        switch (change)
        {
            case CacertsChange.FirstPlugIn:
                return new(true, "started without plug-in certificates (it made its own CA) and reads cacerts only when it starts");

            case CacertsChange.Intermediate when v is null:
                return new(null, $"{known}: istiod 1.19 and later reload a new intermediate of the same root by themselves; older ones read cacerts only when they start");

            case CacertsChange.Intermediate:
                var auto = istiod.AutoReloadPluginCerts;
                var reloads = v.AtLeast(1, 19) || (v.AtLeast(1, 18) && auto != false) || (v.AtLeast(1, 12) && auto == true);
                return reloads
                    ? new(false, $"{known} reloads the new intermediate by itself once the kubelet updates its mounted cacerts (within a minute or two)")
                    : new(true, v.AtLeast(1, 12)
                        ? $"{known} reloads plug-in certificates only with AUTO_RELOAD_PLUGIN_CERTS=true (automatic from 1.19), so it reads cacerts only when it starts"
                        : $"{known} reads cacerts only when it starts (a reload came with 1.12)");

            default:
                var multiRoot = istiod.MultiRootMesh == true;
                if (multiRoot && rootBundlesNested && v?.AtLeast(1, 20) == true)
                {
                    return new(false, $"{known} runs with ISTIO_MULTIROOT_MESH=true and takes the new root bundle, which contains the old one (or is contained in it), by itself");
                }

                if (multiRoot && rootBundlesNested && v is null)
                {
                    return new(null, $"{known}: istiod 1.20 and later with ISTIO_MULTIROOT_MESH=true take a root bundle that contains the old one by themselves; older ones ignore a new root until restarted");
                }

                var why = !multiRoot ? "it does not run with ISTIO_MULTIROOT_MESH=true"
                    : !rootBundlesNested ? "the new root-cert.pem neither contains the old one nor is contained in it"
                    : $"{known} is older than 1.20";
                return new(true, $"root-cert.pem changed and {why}, so istiod ignores it (\"updating new ROOT-CA not supported\") and keeps signing with its old CA until restarted");
        }
    }
}
