using k8s.KubeConfigModels;
using MeshCluster.Engine.Input;

namespace MeshCluster.Engine.KubeConfig;

/// <summary>
/// A kubeconfig's text as KubernetesClient's model, read field by field from <see cref="YamlTree"/> (the fields
/// kubectl reads; others are ignored, as kubectl ignores them). A value of the wrong shape is an error naming
/// the field and its line; a value is never quoted back (it may be a credential).
/// </summary>
public static class KubeConfigReader
{
    public static K8SConfiguration Read(string text, Func<string, Exception> invalid)
    {
        var root = YamlTree.Parse(text, invalid);
        if (root is null) return new K8SConfiguration();
        var doc = Map(root, "the document", 1, invalid);
        return new K8SConfiguration
        {
            ApiVersion = Text(doc, "apiVersion", invalid),
            Kind = Text(doc, "kind", invalid),
            CurrentContext = Text(doc, "current-context", invalid),
            Clusters = Items(doc, "clusters", invalid).Select(e => new Cluster
            {
                Name = Text(e, "name", invalid),
                ClusterEndpoint = Child(e, "cluster", invalid) is { } c ? new ClusterEndpoint
                {
                    Server = Text(c, "server", invalid),
                    CertificateAuthority = Text(c, "certificate-authority", invalid),
                    CertificateAuthorityData = Text(c, "certificate-authority-data", invalid),
                    SkipTlsVerify = Flag(c, "insecure-skip-tls-verify", invalid),
                    TlsServerName = Text(c, "tls-server-name", invalid),
                } : null,
            }).ToList(),
            Users = Items(doc, "users", invalid).Select(e => new User
            {
                Name = Text(e, "name", invalid),
                UserCredentials = Child(e, "user", invalid) is { } u ? Credentials(u, invalid) : null,
            }).ToList(),
            Contexts = Items(doc, "contexts", invalid).Select(e => new Context
            {
                Name = Text(e, "name", invalid),
                ContextDetails = Child(e, "context", invalid) is { } c ? new ContextDetails
                {
                    Cluster = Text(c, "cluster", invalid),
                    User = Text(c, "user", invalid),
                    Namespace = Text(c, "namespace", invalid),
                } : null,
            }).ToList(),
        };
    }

    private static UserCredentials Credentials(YamlMap u, Func<string, Exception> invalid) => new()
    {
        Token = Text(u, "token", invalid),
        UserName = Text(u, "username", invalid),
        Password = Text(u, "password", invalid),
        ClientCertificate = Text(u, "client-certificate", invalid),
        ClientCertificateData = Text(u, "client-certificate-data", invalid),
        ClientKey = Text(u, "client-key", invalid),
        ClientKeyData = Text(u, "client-key-data", invalid),
        Impersonate = Text(u, "as", invalid),
        ImpersonateGroups = Strings(u, "as-groups", invalid),
        AuthProvider = Child(u, "auth-provider", invalid) is { } a ? new AuthProvider
        {
            Name = Text(a, "name", invalid),
            Config = Child(a, "config", invalid) is { } config
                ? config.Keys.ToDictionary(k => k, k => Text(config, k, invalid)!, StringComparer.Ordinal)
                : new Dictionary<string, string>(),
        } : null,
        ExternalExecution = Child(u, "exec", invalid) is { } x ? new ExternalExecution
        {
            ApiVersion = Text(x, "apiVersion", invalid),
            Command = Text(x, "command", invalid),
            Arguments = Strings(x, "args", invalid),
            InstallHint = Text(x, "installHint", invalid),
            ProvideClusterInfo = Flag(x, "provideClusterInfo", invalid),
            EnvironmentVariables = Items(x, "env", invalid)
                .Select(v => v.Keys.ToDictionary(k => k, k => Text(v, k, invalid) ?? string.Empty, StringComparer.Ordinal)).ToList(),
        } : null,
    };

    private static YamlMap Map(object? node, string what, int line, Func<string, Exception> invalid) =>
        node as YamlMap ?? throw invalid($"{what} is not a mapping (line {line})");

    private static YamlMap? Child(YamlMap map, string key, Func<string, Exception> invalid) =>
        map.TryGet(key, out var value, out var line) && value is not null ? Map(value, $"'{key}'", line, invalid) : null;

    private static string? Text(YamlMap map, string key, Func<string, Exception> invalid)
    {
        if (!map.TryGet(key, out var value, out var line) || value is null) return null;
        return value is YamlScalar s ? s.Value : throw invalid($"'{key}' is not a single value (line {line})");
    }

    private static bool Flag(YamlMap map, string key, Func<string, Exception> invalid)
    {
        if (!map.TryGet(key, out var value, out var line) || value is null) return false;
        // YAML 1.1 booleans, as kubectl's YAML reader takes them.
        return value is YamlScalar { Quoted: false } s && s.Value.ToLowerInvariant() is var v && v is "true" or "yes" or "on" or "false" or "no" or "off"
            ? v is "true" or "yes" or "on"
            : throw invalid($"'{key}' is not true or false (line {line})");
    }

    private static List<string> Strings(YamlMap map, string key, Func<string, Exception> invalid)
    {
        if (!map.TryGet(key, out var value, out var line) || value is null) return new List<string>();
        if (value is not List<object?> list) throw invalid($"'{key}' is not a list (line {line})");
        return list.Select(item => item is YamlScalar s ? s.Value : throw invalid($"an entry of '{key}' is not a single value (line {line})")).ToList();
    }

    private static IEnumerable<YamlMap> Items(YamlMap map, string key, Func<string, Exception> invalid)
    {
        if (!map.TryGet(key, out var value, out var line) || value is null) return Array.Empty<YamlMap>();
        if (value is not List<object?> list) throw invalid($"'{key}' is not a list (line {line})");
        return list.Select(item => Map(item, $"an entry of '{key}'", line, invalid)).ToArray();
    }
}
