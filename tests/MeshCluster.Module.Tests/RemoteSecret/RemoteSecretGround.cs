using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.KubeConfigModels;
using k8s.Models;
using MeshCluster.TestGround;

namespace MeshCluster.Module.Tests.RemoteSecret;

/// <summary>
/// What the day-two tests share: cluster2 is the remote, cluster1 the primary, each test in its own
/// namespace of both. Remote secrets are published through the module, or (for broken ones) written
/// directly as a user or another tool might have.
/// </summary>
internal sealed class RemoteSecretGround(ClustersFixture fixture)
{
    public const string Reader = "istio-reader-service-account";
    public TestCluster Primary => fixture.Clusters.Cluster1;
    public TestCluster Remote => fixture.Clusters.Cluster2;
    public static void Out(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    /// <summary>Test-IstioRemoteCluster's checks, in istiod's order.</summary>
    public static readonly string[] CheckOrder = { "Format", "Server", "Tls", "Authentication", "Authorization", "TokenExpiry" };

    /// <summary>A health result's checks, name to (Status, Detail), after checking the rows come in istiod's order.</summary>
    public static Dictionary<string, (string Status, string Detail)> Checks(System.Management.Automation.PSObject health)
    {
        var rows = ((object[])health.Prop("Checks")!).Select(System.Management.Automation.PSObject.AsPSObject).ToList();
        Assert.Equal(CheckOrder, rows.Select(r => (string)r.Prop("Name")!));
        return rows.ToDictionary(r => (string)r.Prop("Name")!, r => ((string)r.Prop("Status")!, (string)r.Prop("Detail")!));
    }

    public static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    /// <summary>A namespace of that name in both clusters.</summary>
    public async Task<string> NamespaceAsync(string prefix)
    {
        var ns = fixture.UniqueName(prefix);
        await Primary.EnsureNamespaceAsync(ns, Ct);
        await Remote.EnsureNamespaceAsync(ns, Ct);
        return ns;
    }

    /// <summary>Publish-IstioRemoteSecret -CreateServiceAccount for cluster2 into the namespace, through the module; the Secret it wrote.</summary>
    public async Task<V1Secret> PublishAsync(PowerShellSession session, string ns, string clusterName, string extra = "")
    {
        var result = session.Invoke($"Publish-IstioRemoteSecret -Context $C2 -Name $args[0] -PrimaryContext $C1 -Namespace $args[1] -CreateServiceAccount -WarningAction SilentlyContinue {extra}", clusterName, ns);
        result.AssertSucceeded();
        return await ReadAsync(ns, clusterName);
    }

    public Task<V1Secret> ReadAsync(string ns, string clusterName) =>
        Primary.Admin.CoreV1.ReadNamespacedSecretAsync($"istio-remote-secret-{clusterName}", ns, cancellationToken: Ct);

    /// <summary>A remote secret written directly, as another tool might: any kubeconfig text under the cluster's key.</summary>
    public Task<V1Secret> WriteRemoteSecretAsync(string ns, string clusterName, string kubeConfig, string? secretName = null, IDictionary<string, string>? moreData = null)
    {
        var data = new Dictionary<string, string> { [clusterName] = kubeConfig };
        foreach (var (k, v) in moreData ?? new Dictionary<string, string>()) data[k] = v;
        return Primary.Admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta
            {
                Name = secretName ?? $"istio-remote-secret-{clusterName}",
                Labels = new Dictionary<string, string> { ["istio/multiCluster"] = "true" },
                Annotations = new Dictionary<string, string> { ["networking.istio.io/cluster"] = clusterName },
            },
            StringData = data,
        }, ns, cancellationToken: Ct);
    }

    /// <summary>The kubeconfig istioctl writes: cluster, user and context named after the cluster.</summary>
    public static string KubeConfig(string name, string server, byte[]? ca, string? token, string? tlsServerName = null, string? userYaml = null)
    {
        var yaml = new StringBuilder("apiVersion: v1\nkind: Config\nclusters:\n- name: ").Append(name).Append("\n  cluster:\n    server: ").Append(server).Append('\n');
        if (ca is not null) yaml.Append("    certificate-authority-data: ").Append(Convert.ToBase64String(ca)).Append('\n');
        if (tlsServerName is not null) yaml.Append("    tls-server-name: ").Append(tlsServerName).Append('\n');
        yaml.Append("contexts:\n- name: ").Append(name).Append("\n  context:\n    cluster: ").Append(name).Append("\n    user: ").Append(name).Append('\n');
        yaml.Append("current-context: ").Append(name).Append("\nusers:\n- name: ").Append(name).Append("\n  user:\n");
        yaml.Append(userYaml ?? $"    token: {token}\n");
        return yaml.ToString();
    }

    public static K8SConfiguration Decode(V1Secret secret, string key) =>
        KubernetesYaml.Deserialize<K8SConfiguration>(Encoding.UTF8.GetString(secret.Data[key]));

    public static string TokenOf(V1Secret remoteSecret, string key) => Assert.Single(Decode(remoteSecret, key).Users).UserCredentials.Token;

    public static byte[] CaOf(V1Secret remoteSecret, string key) =>
        Convert.FromBase64String(Assert.Single(Decode(remoteSecret, key).Clusters).ClusterEndpoint.CertificateAuthorityData);

    /// <summary>istiod's view: a client from exactly the remote secret's kubeconfig.</summary>
    public static Kubernetes ClientFrom(V1Secret remoteSecret, string key)
    {
        using var stream = new MemoryStream(remoteSecret.Data[key]);
        return new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(stream));
    }

    /// <summary>True when the remote API server accepts the secret's token (authenticated: 200 or 403), false on 401.</summary>
    public static async Task<bool> TokenWorksAsync(V1Secret remoteSecret, string key)
    {
        using var client = ClientFrom(remoteSecret, key);
        try
        {
            await client.CoreV1.ListPodForAllNamespacesAsync(limit: 1, cancellationToken: Ct);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Forbidden)
        {
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Unauthorized)
        {
            return false;
        }
    }

    /// <summary>
    /// True once the API server rejects the token. It caches a token's successful authentication for
    /// 10 s (kube-apiserver's token success cache), so a token used a moment before its secret was
    /// deleted is still accepted that long: poll, up to 30 s.
    /// </summary>
    public static async Task<bool> TokenRejectedSoonAsync(V1Secret remoteSecret, string key)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (await TokenWorksAsync(remoteSecret, key))
        {
            if (DateTime.UtcNow > until) return false;
            await Task.Delay(250, Ct);
        }

        return true;
    }

    /// <summary>The token secrets in the remote namespace, by name.</summary>
    public async Task<IReadOnlyDictionary<string, V1Secret>> TokenSecretsAsync(string ns) =>
        (await Remote.Admin.CoreV1.ListNamespacedSecretAsync(ns, fieldSelector: "type=kubernetes.io/service-account-token", cancellationToken: Ct))
        .Items.ToDictionary(s => s.Metadata.Name);

    /// <summary>The token secret whose token is <paramref name="token"/>, if any.</summary>
    public async Task<V1Secret?> HolderAsync(string ns, string token) =>
        (await TokenSecretsAsync(ns)).Values.FirstOrDefault(s => s.Data?.TryGetValue("token", out var t) == true && Encoding.UTF8.GetString(t) == token);

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    public static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public static async Task<T?> TryAsync<T>(Func<Task<T>> read) where T : class
    {
        try
        {
            return await read();
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }
}
