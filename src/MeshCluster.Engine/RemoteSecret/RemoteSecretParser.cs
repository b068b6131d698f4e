using System.Text;
using k8s.KubeConfigModels;
using k8s.Models;
using MeshCluster.Engine.Input;
using MeshCluster.Engine.Istiod;
using MeshCluster.Engine.KubeConfig;

namespace MeshCluster.Engine.RemoteSecret;

/// <summary>
/// The kubeconfig options the primary's istiod allows beyond its defaults (PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS):
/// what every istiod of the namespace lists, since each reads every remote secret.
/// </summary>
public sealed record KubeConfigAllowance(IReadOnlySet<string> Options, string? Istiod)
{
    public static readonly KubeConfigAllowance None = new(new HashSet<string>(), null);

    /// <summary>The options all the reading's istiods list; <see cref="None"/> when there is no istiod or one whose list is unreadable.</summary>
    public static KubeConfigAllowance From(IstiodReading? reading)
    {
        if (reading is null || !reading.Found || reading.Deployments.Any(d => d.InsecureKubeConfigOptions is null)) return None;
        var common = reading.Deployments.Select(d => d.InsecureKubeConfigOptions!).Aggregate((a, b) => a.Intersect(b, StringComparer.Ordinal).ToHashSet(StringComparer.Ordinal));
        return new KubeConfigAllowance(common.Where(o => o.Length > 0).ToHashSet(StringComparer.Ordinal), reading.Describe());
    }
}

/// <summary>
/// Reads a remote secret as istiod does (pkg/kube/multicluster/secretcontroller.go addSecret): every data key is a cluster of that
/// name, its value a kubeconfig; the kubeconfig must pass clientcmd's validation and istiod's sanitizeKubeConfig
/// (pkg/kube/util.go NewUntrustedRestConfig), then its current-context gives server, CA and credentials. Never throws for bad
/// content: every problem is listed. The one place where a remote secret's kubeconfig text is parsed.
/// </summary>
public static class RemoteSecretParser
{
    /// <summary>A Secret holds at most 1 MiB; a kubeconfig is a few KB.</summary>
    private const int MaxKubeConfigBytes = 1024 * 1024;

    /// <summary>The auth provider istiod always accepts: "OIDC is safe as it doesn't read files or execute code" (sanitizeKubeConfig).</summary>
    private const string Oidc = "oidc";

    /// <summary>Every cluster the Secret holds, one entry per data key (a Secret without data gives one entry saying so).</summary>
    public static IReadOnlyList<RemoteSecretEntry> ParseAll(V1Secret secret, string context, DateTimeOffset now, KubeConfigAllowance? allowance = null)
    {
        var keys = KeysOf(secret);
        return keys.Count == 0
            ? new[] { Parse(secret, context, now, null, allowance) }
            : keys.Select(k => Parse(secret, context, now, k, allowance)).ToList();
    }

    /// <summary>
    /// One cluster of the Secret: <paramref name="clusterName"/>'s data key; without one, the annotation istioctl writes, else the
    /// only data key, else the name after istio-remote-secret-.
    /// </summary>
    public static RemoteSecretEntry Parse(V1Secret secret, string context, DateTimeOffset now, string? clusterName = null, KubeConfigAllowance? allowance = null)
    {
        var name = secret.Metadata?.Name ?? string.Empty;
        var ns = secret.Metadata?.NamespaceProperty ?? string.Empty;
        var keys = KeysOf(secret);
        // Printed as data: an escape sequence or newline planted in the annotation never reaches a terminal raw.
        var annotated = secret.Metadata?.Annotations?.TryGetValue(RemoteSecretNames.ClusterAnnotation, out var a) == true && !string.IsNullOrEmpty(a) ? Printable.Quote(a) : null;
        clusterName ??= ClusterNameOf(secret, keys);
        var blocking = new List<string>();
        var notes = new List<string>();

        RemoteCredentials? credentials = null;
        RemoteAuthType? authType = null;
        if (keys.Count == 0)
        {
            blocking.Add("The Secret has no data: istiod reads no cluster from it.");
        }
        else if (!secret.Data!.TryGetValue(clusterName, out var data))
        {
            blocking.Add($"No data key '{clusterName}' for cluster '{clusterName}' (the Secret has {string.Join(", ", keys.Select(k => $"'{k}'"))}; istiod names each cluster after its data key).");
        }
        else
        {
            (credentials, authType) = ReadKubeConfig(data, allowance ?? KubeConfigAllowance.None, blocking, notes);
        }

        if (keys.Count > 1)
        {
            notes.Insert(0, $"Several data keys ({string.Join(", ", keys)}): istiod reads each as a cluster of that name; this is '{clusterName}'.");
        }

        if (keys.Contains(clusterName, StringComparer.Ordinal) && !Naming.ClusterNameRule.IsDns1123Label(clusterName))
        {
            // A Secret's data key may hold '.', '_' and capitals; an Istio cluster name may not (istioctl create-remote-secret --name,
            // values.global.multiCluster.clusterName as New-IstioRemoteInstallSpec and this module's -Name check it): issue 20, point 9.
            notes.Add($"The data key '{clusterName}' is not a DNS-1123 label (at most 63 lower-case letters, digits and '-'), which Istio's cluster names are: " +
                      "istiod names the cluster after it as it is, and the remote's own cluster name (values.global.multiCluster.clusterName) " +
                      "must be exactly that, which no install MeshCluster or istioctl makes can be. istioctl create-remote-secret would not have written it.");
        }

        if (annotated is not null && keys.Contains(clusterName, StringComparer.Ordinal) && annotated != clusterName)
        {
            notes.Add($"The annotation {RemoteSecretNames.ClusterAnnotation} says '{annotated}'; istiod goes by the data key and names this cluster '{clusterName}'.");
        }

        var claims = JwtClaims.Read(credentials?.Token);
        var expired = claims?.Expires is { } expires && expires <= now ? $"The token expired at {expires:u}." : null;
        var info = new IstioRemoteSecretInfo(clusterName, name, ns, context, ServerUrl.Masked(credentials?.Server), authType,
            claims?.ServiceAccount, claims?.ServiceAccountNamespace, claims?.Expires,
            secret.Metadata?.CreationTimestamp is { } created ? new DateTimeOffset(DateTime.SpecifyKind(created, DateTimeKind.Utc)) : null,
            secret.Metadata?.ResourceVersion, RemoteSecretEntry.ProblemsOf(blocking, Array.Empty<string>(), Array.Empty<string>(), expired),
            annotated is not null && annotated != clusterName && keys.Count > 0 ? annotated : null, notes);
        return new RemoteSecretEntry(secret, info, credentials, claims, blocking, notes, expired);
    }

    /// <summary>For a Secret without a usable data key: the annotation istioctl writes, else the only data key, else the name after istio-remote-secret-.</summary>
    public static string ClusterNameOf(V1Secret secret, IReadOnlyList<string> keys)
    {
        if (keys.Count == 1) return keys[0];
        if (secret.Metadata?.Annotations?.TryGetValue(RemoteSecretNames.ClusterAnnotation, out var annotated) == true && !string.IsNullOrEmpty(annotated))
        {
            return Printable.Quote(annotated)!;
        }

        var name = secret.Metadata?.Name ?? string.Empty;
        return name.StartsWith(RemoteSecretNames.SecretPrefix, StringComparison.Ordinal) && name.Length > RemoteSecretNames.SecretPrefix.Length
            ? name[RemoteSecretNames.SecretPrefix.Length..]
            : name;
    }

    private static List<string> KeysOf(V1Secret secret) => (secret.Data?.Keys ?? Enumerable.Empty<string>()).OrderBy(k => k, StringComparer.Ordinal).ToList();

    private static (RemoteCredentials?, RemoteAuthType?) ReadKubeConfig(byte[] data, KubeConfigAllowance allowance, List<string> problems, List<string> notes)
    {
        var (config, text) = Load(data, problems);
        if (config is null) return (null, null);

        // Every user of the kubeconfig, not only the current context's: istiod validates and sanitizes them all.
        var tokenFileUsers = TokenFileUsers(text!);
        foreach (var each in config.Users ?? new List<User>())
        {
            CheckUser(each, tokenFileUsers.Contains(each.Name ?? string.Empty), allowance, problems, notes);
        }

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

        var userEntry = string.IsNullOrEmpty(context.User) ? null : config.Users?.FirstOrDefault(u => u?.Name == context.User);
        var user = userEntry?.UserCredentials;
        if (userEntry is null)
        {
            problems.Add($"Context '{contextName}' names no user of the kubeconfig{(string.IsNullOrEmpty(context.User) ? string.Empty : $" ('{context.User}')")}.");
            return (new RemoteCredentials(cluster.Server.Trim(), ca, NullIfEmpty(cluster.TlsServerName), cluster.SkipTlsVerify, null), null);
        }

        var authType = AuthTypeOf(user, tokenFileUsers.Contains(userEntry.Name ?? string.Empty));
        if (authType == RemoteAuthType.Other) problems.Add($"User '{userEntry.Name}' of the kubeconfig holds no credential.");

        // Only what MeshCluster can send without running or reading anything: a token, an inline certificate and key, a user name and password.
        var token = NullIfEmpty(user?.Token);
        var certificate = NullIfEmpty(user?.ClientCertificateData);
        var key = NullIfEmpty(user?.ClientKeyData);
        var (userName, password) = (NullIfEmpty(user?.UserName), NullIfEmpty(user?.Password));
        Register(token);
        if (token is not null) Register(Convert.ToBase64String(Encoding.UTF8.GetBytes(token)));
        Register(key);
        Register(password);
        if (key is not null) Register(TryDecode(key));
        if (userName is not null || password is not null) Register(Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:{password}"))); // the Basic header

        return (new RemoteCredentials(cluster.Server.Trim(), ca, NullIfEmpty(cluster.TlsServerName), cluster.SkipTlsVerify, token)
        {
            ClientCertificateData = certificate,
            ClientKeyData = key,
            UserName = userName,
            Password = password,
        }, authType);
    }

    /// <summary>
    /// What istiod refuses in a user of the kubeconfig: clientcmd.Validate (one method only; a certificate needs its key) and
    /// sanitizeKubeConfig (exec, auth providers other than oidc, and every file path, unless the primary's istiod lists them in
    /// PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS: then a note). Token, inline certificate and key, user name and password, oidc pass.
    /// </summary>
    private static void CheckUser(User user, bool hasTokenFile, KubeConfigAllowance allowance, List<string> problems, List<string> notes)
    {
        var c = user.UserCredentials;
        if (c is null) return;
        var who = $"User '{user.Name}'";

        void Insecure(string option, string what)
        {
            if (allowance.Options.Contains(option))
            {
                notes.Add($"{who} {what}: istiod accepts it, since the primary's istiod ({allowance.Istiod}) lists '{option}' in PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS; " +
                          "MeshCluster runs no command and reads no file a Secret names, so it does not test it.");
            }
            else
            {
                problems.Add($"{who} {what}, which istiod refuses unless PILOT_INSECURE_MULTICLUSTER_KUBECONFIG_OPTIONS on the primary's istiod lists '{option}' " +
                             "(pkg/kube/util.go sanitizeKubeConfig); use a bearer token, an inline client certificate (client-certificate-data, client-key-data) or oidc.");
            }
        }

        if (c.AuthProvider is { } provider && provider.Name != Oidc) Insecure(provider.Name ?? string.Empty, $"authenticates through auth provider '{provider.Name}'");
        if (!string.IsNullOrEmpty(c.ClientKey)) Insecure("clientKey", "names a client key file (client-key)");
        if (!string.IsNullOrEmpty(c.ClientCertificate)) Insecure("clientCertificate", "names a client certificate file (client-certificate)");
        if (hasTokenFile) Insecure("tokenFile", "reads its token from a file (tokenFile)");
        if (c.ExternalExecution is { } exec) Insecure("exec", $"runs an exec credential plugin ('{exec.Command}')");

        // client-go's clientcmd.Validate, which istiod runs first (tools/clientcmd/validation.go validateAuthInfo).
        if (!string.IsNullOrEmpty(c.Token) && (!string.IsNullOrEmpty(c.UserName) || !string.IsNullOrEmpty(c.Password)))
        {
            problems.Add($"{who} has both a token and a user name or password: istiod refuses a kubeconfig with more than one authentication method.");
        }

        if ((!string.IsNullOrEmpty(c.ClientCertificateData) || !string.IsNullOrEmpty(c.ClientCertificate)) &&
            string.IsNullOrEmpty(c.ClientKeyData) && string.IsNullOrEmpty(c.ClientKey))
        {
            problems.Add($"{who} has a client certificate without its key (client-key-data): istiod refuses the kubeconfig.");
        }

        if (c.ExternalExecution is not null && c.AuthProvider is not null)
        {
            problems.Add($"{who} has both an exec plugin and an auth provider: istiod refuses the kubeconfig.");
        }
    }

    /// <summary>The users that set tokenFile (KubernetesClient's model has no such field): the YAML is read once more, for that key only.</summary>
    private static HashSet<string> TokenFileUsers(string text)
    {
        var users = new HashSet<string>(StringComparer.Ordinal);
        if (!text.Contains("tokenFile", StringComparison.Ordinal)) return users;
        if (YamlTree.Parse(text, reason => new FormatException(reason)) is not YamlMap doc ||
            !doc.TryGet("users", out var list, out _) || list is not List<object?> items) return users;
        foreach (var item in items.OfType<YamlMap>())
        {
            if (item.TryGet("user", out var u, out _) && u is YamlMap credentials && credentials.TryGet("tokenFile", out var file, out _) &&
                file is YamlScalar { IsNull: false, Value.Length: > 0 })
            {
                users.Add(item.TryGet("name", out var n, out _) && n is YamlScalar name ? name.Value : string.Empty);
            }
        }

        return users;
    }

    private static (K8SConfiguration?, string?) Load(byte[] data, List<string> problems)
    {
        if (data.Length == 0)
        {
            problems.Add("The kubeconfig is empty.");
            return (null, null);
        }

        if (data.Length > MaxKubeConfigBytes)
        {
            problems.Add($"The kubeconfig is {data.Length} bytes, more than a kubeconfig can be.");
            return (null, null);
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(data);
        }
        catch (DecoderFallbackException)
        {
            problems.Add("The kubeconfig is not UTF-8 text.");
            return (null, null);
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
            return (null, null);
        }

        if (config is null)
        {
            problems.Add("The kubeconfig is empty.");
            return (null, null);
        }

        if (config.Kind is { Length: > 0 } kind && !string.Equals(kind, "Config", StringComparison.Ordinal))
        {
            problems.Add($"The kubeconfig's kind is '{kind}', not 'Config'.");
            return (null, null);
        }

        return (config, text);
    }

    private static RemoteAuthType AuthTypeOf(UserCredentials? user, bool hasTokenFile) => user switch
    {
        null => RemoteAuthType.Other,
        { ExternalExecution: not null } => RemoteAuthType.Exec,
        { AuthProvider: not null } => RemoteAuthType.AuthProvider,
        _ when !string.IsNullOrEmpty(user.ClientCertificateData) || !string.IsNullOrEmpty(user.ClientCertificate) => RemoteAuthType.ClientCertificate,
        { Token.Length: > 0 } => RemoteAuthType.Token,
        _ when !string.IsNullOrEmpty(user.UserName) || !string.IsNullOrEmpty(user.Password) => RemoteAuthType.Basic,
        _ when hasTokenFile => RemoteAuthType.TokenFile,
        _ => RemoteAuthType.Other,
    };

    private static void Register(string? secret) => SecretRedactor.Register(secret);

    private static string? TryDecode(string base64)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
