namespace MeshCluster.Engine;

/// <summary>
/// A server URL as it may be shown: a user name or password in it (<c>https://user:password@host</c>, planted in a remote
/// secret or a kubeconfig) becomes <c>***@</c>, as Publish-IstioRemoteSecret -Server always did, and control characters are
/// written as data (<see cref="Printable"/>). Only for showing: connections use the URL as given.
/// </summary>
public static class ServerUrl
{
    public static string? Masked(string? server)
    {
        if (server is null) return null;
        var text = server;
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var start = scheme < 0 ? 0 : scheme + 3;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        var authority = end < 0 ? text[start..] : text[start..end];
        var at = authority.LastIndexOf('@');
        if (at >= 0) text = text[..start] + "***" + text[(start + at)..];
        return Printable.Quote(text);
    }
}
