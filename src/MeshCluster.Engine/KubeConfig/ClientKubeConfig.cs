using System.Text;
using k8s.KubeConfigModels;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// The one-context kubeconfig handed to KubernetesClient: the files it names (certificate-authority,
/// client-certificate, client-key) already read by the module, under its size limit, and put in as data,
/// so that KubernetesClient reads no file itself (a folder or /dev/zero there ends in a clear error, not
/// an exception or the memory filled); and an exec plugin taken out, because the module runs plugins.
/// The merged kubeconfig is shared and left as it is: everything changed is a copy.
/// </summary>
internal static class ClientKubeConfig
{
    /// <summary>A token KubernetesClient needs to see credentials; the plugin's token provider replaces it on every request.</summary>
    public const string ExecPlaceholderToken = "meshcluster-exec-placeholder";

    public static K8SConfiguration For(KubeContext context)
    {
        var config = context.Merged.Config;
        var ctx = config.Contexts.First(c => c.Name == context.Name);
        var cluster = config.Clusters.First(c => c.Name == context.ClusterName);
        var user = context.UserName is { } userName ? config.Users.First(u => u.Name == userName) : null;

        var endpoint = cluster.ClusterEndpoint;
        var clusterCopy = new Cluster
        {
            Name = cluster.Name,
            ClusterEndpoint = new ClusterEndpoint
            {
                Server = endpoint.Server,
                SkipTlsVerify = endpoint.SkipTlsVerify,
                TlsServerName = endpoint.TlsServerName,
                CertificateAuthorityData = endpoint.CertificateAuthorityData ?? Inline(context, endpoint.CertificateAuthority, "certificate-authority"),
            },
        };

        return new K8SConfiguration
        {
            ApiVersion = "v1",
            Kind = "Config",
            CurrentContext = ctx.Name,
            Contexts = new List<Context> { ctx },
            Clusters = new List<Cluster> { clusterCopy },
            Users = user is null ? new List<User>() : new List<User> { Copy(context, user) },
            FileName = context.ContextFile,
        };
    }

    private static User Copy(KubeContext context, User user)
    {
        var c = user.UserCredentials;
        if (c is null) return user;
        return new User
        {
            Name = user.Name,
            UserCredentials = c.ExternalExecution is not null
                ? new UserCredentials { Token = ExecPlaceholderToken }
                : new UserCredentials
                {
                    Token = c.Token,
                    UserName = c.UserName,
                    Password = c.Password,
                    AuthProvider = c.AuthProvider,
                    Impersonate = c.Impersonate,
                    ImpersonateGroups = c.ImpersonateGroups,
                    ImpersonateUserExtra = c.ImpersonateUserExtra,
                    ClientCertificateData = c.ClientCertificateData ?? Inline(context, c.ClientCertificate, "client-certificate"),
                    ClientKeyData = c.ClientKeyData ?? Inline(context, c.ClientKey, "client-key"),
                },
        };
    }

    /// <summary>The named file's content as kubeconfig data (base64), read under the module's limit; null when no file is named.</summary>
    private static string? Inline(KubeContext context, string? path, string field)
    {
        if (string.IsNullOrEmpty(path)) return null;
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw KubeConfigMerger.InvalidContext(context.ContextFile, $"context '{context.Name}' cannot be used: its {field} file '{path}' does not exist");
        }

        var text = InputLimits.ReadText(path, reason =>
            KubeConfigMerger.InvalidContext(context.ContextFile, $"context '{context.Name}' cannot be used: its {field} file '{path}' cannot be read ({reason})"));
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
    }
}
