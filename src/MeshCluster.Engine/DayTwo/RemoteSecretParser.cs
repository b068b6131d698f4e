using System.Text;
using k8s;
using k8s.KubeConfigModels;
using k8s.Models;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.KubeConfig;
using MeshCluster.Engine.RemoteSecret;

namespace MeshCluster.Engine.DayTwo;

/// <summary>
/// Reads a remote secret as istiod does: the kubeconfig under the cluster's data key, its
/// current-context, that context's cluster and user. Never throws for bad content: every problem
/// is listed. The one place where a remote secret's kubeconfig text is parsed.
/// </summary>
public static class RemoteSecretParser
{
    /// <summary>A Secret holds at most 1 MiB; a kubeconfig is a few KB.</summary>
    private const int MaxKubeConfigBytes = 1024 * 1024;

    public static RemoteSecretEntry Parse(V1Secret secret, string context, DateTimeOffset now)
    {
        var name = secret.Metadata?.Name ?? string.Empty;
        var ns = secret.Metadata?.NamespaceProperty ?? string.Empty;
        var keys = (secret.Data?.Keys ?? Enumerable.Empty<string>()).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var clusterName = ClusterNameOf(secret, keys);
        var blocking = new List<string>();
        var notes = new List<string>();

        RemoteCredentials? credentials = null;
        RemoteAuthType? authType = null;
        if (keys.Count == 0)
        {
            blocking.Add("The Secret has no data.");
        }
        else if (!secret.Data!.TryGetValue(clusterName, out var data))
        {
            blocking.Add($"No data key '{clusterName}' for cluster '{clusterName}' (the Secret has {string.Join(", ", keys.Select(k => $"'{k}'"))}; istiod names each cluster after its data key).");
        }
        else
        {
            (credentials, authType) = ReadKubeConfig(data, blocking);
        }

        if (keys.Count > 1)
        {
            notes.Add($"Several data keys ({string.Join(", ", keys)}): istiod reads each as a cluster; MeshCluster reads only '{clusterName}'.");
        }

        var claims = JwtClaims.Read(credentials?.Token);
        var problems = blocking.Concat(notes).ToList();
        if (claims?.Expires is { } expires && expires <= now)
        {
            problems.Add($"The token expired at {expires:u}.");
        }

        var info = new IstioRemoteSecretInfo(clusterName, name, ns, context, credentials?.Server, authType,
            claims?.ServiceAccount, claims?.ServiceAccountNamespace, claims?.Expires,
            secret.Metadata?.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
            secret.Metadata?.ResourceVersion, problems);
        return new RemoteSecretEntry(secret, info, credentials, claims, blocking, notes);
    }

    /// <summary>The annotation istioctl writes, else the only data key, else the name after istio-remote-secret-.</summary>
    public static string ClusterNameOf(V1Secret secret, IReadOnlyList<string> keys)
    {
        if (secret.Metadata?.Annotations?.TryGetValue(RemoteSecretNames.ClusterAnnotation, out var annotated) == true && !string.IsNullOrEmpty(annotated))
        {
            return annotated;
        }

        if (keys.Count == 1) return keys[0];
        var name = secret.Metadata?.Name ?? string.Empty;
        return name.StartsWith(RemoteSecretNames.SecretPrefix, StringComparison.Ordinal) && name.Length > RemoteSecretNames.SecretPrefix.Length
            ? name[RemoteSecretNames.SecretPrefix.Length..]
            : name;
    }

    private static (RemoteCredentials?, RemoteAuthType?) ReadKubeConfig(byte[] data, List<string> problems)
    {
        var config = Load(data, problems);
        if (config is null) return (null, null);

        var contextName = config.CurrentContext;
        if (string.IsNullOrEmpty(contextName))
        {
            problems.Add("The kubeconfig has no current-context.");
            return (null, null);
        }

        var context = config.Contexts?.FirstOrDefault(c => c?.Name == contextName)?.ContextDetails;
        if (context is null)
        {
            problems.Add($"The kubeconfig's current-context '{contextName}' names no context.");
            return (null, null);
        }

        var cluster = config.Clusters?.FirstOrDefault(c => c?.Name == context.Cluster)?.ClusterEndpoint;
        if (cluster is null)
        {
            problems.Add($"Context '{contextName}' names no cluster of the kubeconfig ('{context.Cluster}').");
            return (null, null);
        }

        if (string.IsNullOrWhiteSpace(cluster.Server))
        {
            problems.Add($"Cluster '{context.Cluster}' of the kubeconfig has no server.");
            return (null, null);
        }

        byte[]? ca = null;
        if (!string.IsNullOrEmpty(cluster.CertificateAuthorityData))
        {
            try
            {
                ca = Convert.FromBase64String(cluster.CertificateAuthorityData);
            }
            catch (FormatException)
            {
                problems.Add("The cluster's certificate-authority-data is not base64.");
            }
        }
        else if (!string.IsNullOrEmpty(cluster.CertificateAuthority))
        {
            problems.Add("The cluster's certificate-authority names a file, which istiod would look for in its own container; MeshCluster reads no file a Secret names.");
        }

        var user = string.IsNullOrEmpty(context.User) ? null : config.Users?.FirstOrDefault(u => u?.Name == context.User)?.UserCredentials;
        var authType = AuthTypeOf(user);
        string? token = null;
        if (authType == RemoteAuthType.Token)
        {
            token = user!.Token;
            SecretRedactor.Register(token);
            SecretRedactor.Register(Convert.ToBase64String(Encoding.UTF8.GetBytes(token!)));
        }
        else if (user is null)
        {
            problems.Add($"Context '{contextName}' names no user of the kubeconfig{(string.IsNullOrEmpty(context.User) ? string.Empty : $" ('{context.User}')")}.");
        }
        else
        {
            var plugin = authType == RemoteAuthType.AuthProvider ? $" '{user.AuthProvider?.Name}'" : string.Empty;
            problems.Add($"The user authenticates by {authType}{plugin}: istiod accepts only bearer tokens and OIDC by default (others need PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS), " +
                         "and MeshCluster tests bearer tokens only (it runs no command and reads no file a Secret names).");
        }

        return (new RemoteCredentials(cluster.Server.Trim(), ca, NullIfEmpty(cluster.TlsServerName), cluster.SkipTlsVerify, token), authType);
    }

    private static K8SConfiguration? Load(byte[] data, List<string> problems)
    {
        if (data.Length == 0)
        {
            problems.Add("The kubeconfig is empty.");
            return null;
        }

        if (data.Length > MaxKubeConfigBytes)
        {
            problems.Add($"The kubeconfig is {data.Length} bytes, more than a kubeconfig can be.");
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            problems.Add("The kubeconfig is not UTF-8 text.");
            return null;
        }

        K8SConfiguration? config;
        try
        {
            // One pass without recursion or reflection: a Secret nested 20,000 deep must not end the session,
            // and the reasons name a line, never the content.
            config = KubeConfigReader.Read(text, reason => new FormatException(reason));
        }
        catch (FormatException ex)
        {
            problems.Add($"The kubeconfig cannot be used: {ex.Message}.");
            return null;
        }

        if (config is null)
        {
            problems.Add("The kubeconfig is empty.");
            return null;
        }

        if (config.Kind is { Length: > 0 } kind && !string.Equals(kind, "Config", StringComparison.Ordinal))
        {
            problems.Add($"The kubeconfig's kind is '{kind}', not 'Config'.");
            return null;
        }

        return config;
    }

    private static RemoteAuthType AuthTypeOf(UserCredentials? user) => user switch
    {
        null => RemoteAuthType.Other,
        { ExternalExecution: not null } => RemoteAuthType.Exec,
        { AuthProvider: not null } => RemoteAuthType.AuthProvider,
        _ when !string.IsNullOrEmpty(user.ClientCertificateData) || !string.IsNullOrEmpty(user.ClientCertificate) => RemoteAuthType.ClientCertificate,
        { Token.Length: > 0 } => RemoteAuthType.Token,
        _ => RemoteAuthType.Other,
    };

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
