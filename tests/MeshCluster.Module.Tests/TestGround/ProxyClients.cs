using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using k8s;

namespace MeshCluster.Module.Tests.TestGround;

/// <summary>Clients of a proxy's kubeconfig context, built directly (not through the module).</summary>
internal static class ProxyClients
{
    /// <summary>KubernetesClient for the context, as the kubeconfig configures it.</summary>
    public static Kubernetes Kube(string kubeConfigPath, string context) =>
        new(KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeConfigPath, currentContext: context));

    /// <summary>
    /// An HttpClient for the context's server with its bearer token, trusting only the given CA.
    /// <paramref name="verifyName"/>: the host name is checked too, as kubectl does; otherwise only the chain.
    /// </summary>
    public static HttpClient Http(string kubeConfigPath, string context, string caFile, bool verifyName = true)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeConfigPath, currentContext: context);
        var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caFile));
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null) return false;
                    var ignored = SslPolicyErrors.RemoteCertificateChainErrors | (verifyName ? SslPolicyErrors.None : SslPolicyErrors.RemoteCertificateNameMismatch);
                    if ((errors & ~ignored) != SslPolicyErrors.None) return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(certificate as X509Certificate2 ?? new X509Certificate2(certificate));
                },
            },
        };
        var http = new HttpClient(handler) { BaseAddress = new Uri(config.Host), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", config.AccessToken);
        return http;
    }
}
