using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace MeshCluster.TestGround;

/// <summary>One cluster of the test ground: a real kube-apiserver (and controller-manager) on loopback.</summary>
public sealed class TestCluster
{
    internal TestCluster(string name, string server, string caFile, string? caKeyFile, string kubeConfigPath, IKubernetes admin)
    {
        Name = name;
        Server = server;
        CaFile = caFile;
        CaKeyFile = caKeyFile;
        KubeConfigPath = kubeConfigPath;
        Admin = admin;
    }

    /// <summary>"cluster1" or "cluster2".</summary>
    public string Name { get; }

    /// <summary>The kubeconfig context of this cluster (the same as <see cref="Name"/>).</summary>
    public string ContextName => Name;

    /// <summary>https://127.0.0.1:&lt;port&gt;</summary>
    public string Server { get; }

    /// <summary>PEM of the CA that signed the API server's serving certificate.</summary>
    public string CaFile { get; }

    /// <summary>The CA's private key (PEM), for the fault proxy's certificates; null when attached to clusters the test ground did not start.</summary>
    internal string? CaKeyFile { get; }

    /// <summary>The kubeconfig that holds this cluster's context (the test ground's own).</summary>
    public string KubeConfigPath { get; }

    /// <summary>An admin client (a system:masters token).</summary>
    public IKubernetes Admin { get; }

    /// <summary>
    /// Creates the namespace unless it exists, then waits until its "default" service account has its
    /// token secret: on Kubernetes 1.20 the ServiceAccount admission plugin rejects pods until then.
    /// </summary>
    public async Task EnsureNamespaceAsync(string name, CancellationToken ct = default)
    {
        try
        {
            await Admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name } }, cancellationToken: ct)
                .ConfigureAwait(false);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            // Already there: idempotent.
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            try
            {
                var account = await Admin.CoreV1.ReadNamespacedServiceAccountAsync("default", name, cancellationToken: timeout.Token).ConfigureAwait(false);
                if (account.Secrets is { Count: > 0 }) return;
            }
            catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
            {
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name}: the default service account of namespace {name} got no token secret within 30 s (is kube-controller-manager running?).");
            }

            try
            {
                await Task.Delay(50, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name}: the default service account of namespace {name} got no token secret within 30 s (is kube-controller-manager running?).");
            }
        }
    }

    /// <summary>
    /// A client certificate of this cluster's CA for <paramref name="user"/> (in <paramref name="groups"/>), which the API server
    /// accepts (--client-ca-file): PEM certificate and key, as a kubeconfig's client-certificate-data and client-key-data hold them.
    /// </summary>
    public (string CertificatePem, string KeyPem) IssueClientCertificate(string user, IEnumerable<string>? groups = null, TimeSpan? validFor = null)
    {
        if (CaKeyFile is null) throw new InvalidOperationException($"{Name}: the CA's key is not known (attached to clusters the test ground did not start).");
        using var ca = Pki.LoadCa(CaFile, CaKeyFile);
        return Pki.IssueClient(ca, user, groups ?? Array.Empty<string>(), validFor ?? TimeSpan.FromDays(1));
    }

    public override string ToString() => $"{Name} ({Server})";
}
