namespace MeshCluster.TestGround;

public sealed class TestClustersOptions
{
    /// <summary>Where data, certificates, kubeconfigs and logs go; default: a new folder under the temp folder, deleted on dispose.</summary>
    public string? WorkDir;

    /// <summary>Folder holding kube-apiserver and kube-controller-manager; default: $KUBEBUILDER_ASSETS if it holds kube-apiserver, else ~/.cache/meshcluster/kubernetes-1.20.2-reflect2-1.0.2/bin.</summary>
    public string? BinDir;

    /// <summary>Progress lines (which server started, how long it took).</summary>
    public Action<string>? Log;

    /// <summary>etcd; default: $ETCD if set, else etcd in BinDir, else /usr/bin/etcd.</summary>
    public string? EtcdPath;

    /// <summary>The clusters to start (each a kube-apiserver and a kube-controller-manager on the one etcd); the first is current-context.</summary>
    public string[] ClusterNames = { "cluster1", "cluster2" };

    /// <summary>
    /// Flags added to every kube-controller-manager's command line, e.g. "--kube-api-qps=200": its client
    /// allows 20 requests a second (burst 30) by default, which a benchmark making 20 namespaces ready at
    /// once (the work of 20 clusters' controller-managers) would otherwise be measuring.
    /// </summary>
    public string[] ControllerManagerArguments = Array.Empty<string>();

    /// <summary>How long a server may take to answer its health check.</summary>
    public TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    internal string ResolveBinDir()
    {
        if (!string.IsNullOrEmpty(BinDir)) return BinDir;
        var assets = Environment.GetEnvironmentVariable("KUBEBUILDER_ASSETS");
        if (!string.IsNullOrEmpty(assets) && File.Exists(Path.Combine(assets, "kube-apiserver"))) return assets;
        return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "meshcluster", "kubernetes-1.20.2-reflect2-1.0.2", "bin");
    }

    internal string ResolveEtcd(string binDir)
    {
        if (!string.IsNullOrEmpty(EtcdPath)) return EtcdPath;
        var env = Environment.GetEnvironmentVariable("ETCD");
        if (!string.IsNullOrEmpty(env)) return env;
        var inBin = Path.Combine(binDir, "etcd");
        return File.Exists(inBin) ? inBin : "/usr/bin/etcd";
    }
}
