using k8s;
using k8s.KubeConfigModels;

namespace MeshCluster.TestGround;

/// <summary>
/// Kubeconfigs for the proxies: a copy of the test ground's kubeconfig (every context still there)
/// plus contexts that reach one cluster through a proxy (or, with its own server and CA, straight: several
/// names for one cluster, as a fleet test needs), with that cluster's user and namespace.
/// </summary>
public static class ProxyKubeConfig
{
    /// <param name="cluster">The cluster behind the proxy (its context gives the user).</param>
    /// <param name="path">Where to write (0600).</param>
    /// <param name="server">The proxy's https URL.</param>
    /// <param name="caPem">The CA the new contexts trust.</param>
    /// <param name="contextNames">The contexts to add (an existing one of the same name is replaced).</param>
    public static void Write(TestCluster cluster, string path, string server, string caPem, IEnumerable<string> contextNames)
    {
        var source = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(cluster.KubeConfigPath));
        var sourceContext = source.Contexts.FirstOrDefault(c => c.Name == cluster.ContextName)
            ?? throw new InvalidOperationException($"{cluster.KubeConfigPath} has no context '{cluster.ContextName}'.");
        var sourceCluster = source.Clusters.First(c => c.Name == sourceContext.ContextDetails.Cluster).ClusterEndpoint;
        var names = contextNames.ToArray();
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(cluster.KubeConfigPath))!;

        var clusters = source.Clusters.Where(c => !names.Contains(c.Name)).ToList();
        var contexts = source.Contexts.Where(c => !names.Contains(c.Name)).ToList();
        foreach (var c in clusters) c.ClusterEndpoint.CertificateAuthority = Absolute(baseDir, c.ClusterEndpoint.CertificateAuthority);
        foreach (var name in names)
        {
            clusters.Add(new Cluster
            {
                Name = name,
                ClusterEndpoint = new ClusterEndpoint
                {
                    Server = server,
                    CertificateAuthorityData = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(caPem)),
                    TlsServerName = sourceCluster.TlsServerName,
                },
            });
            contexts.Add(new Context
            {
                Name = name,
                ContextDetails = new ContextDetails { Cluster = name, User = sourceContext.ContextDetails.User, Namespace = sourceContext.ContextDetails.Namespace },
            });
        }

        foreach (var user in source.Users ?? Enumerable.Empty<User>())
        {
            var credentials = user.UserCredentials;
            if (credentials is null) continue;
            credentials.ClientCertificate = Absolute(baseDir, credentials.ClientCertificate);
            credentials.ClientKey = Absolute(baseDir, credentials.ClientKey);
            // Empty lists would be written out as such: noise in a file people read.
            if (credentials.ImpersonateGroups?.Any() == false) credentials.ImpersonateGroups = null;
            if (credentials.ImpersonateUserExtra?.Any() == false) credentials.ImpersonateUserExtra = null;
        }

        source.Clusters = clusters;
        source.Contexts = contexts;
        // The model's bool is written even when false: noise, and a key people search kubeconfigs for.
        var yaml = System.Text.RegularExpressions.Regex.Replace(KubernetesYaml.Serialize(source), @"(?m)^[ \t]*insecure-skip-tls-verify: false\r?\n", string.Empty);
        Pki.WritePrivate(path, yaml);
    }

    private static string? Absolute(string baseDir, string? file) =>
        string.IsNullOrEmpty(file) || Path.IsPathRooted(file) ? file : Path.Combine(baseDir, file);
}
