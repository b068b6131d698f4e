using System.Management.Automation;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Engine.Trust;

/// <summary>A cluster's folder as Istio's Makefile leaves it: &lt;folder&gt;/&lt;cluster&gt;/{ca-cert,ca-key,root-cert,cert-chain}.pem.</summary>
public static class ClusterCertificateStore
{
    public static string Folder(string parent, string clusterName) => Path.Combine(parent, clusterName);

    /// <summary>Before any key is made: CertificatePathInvalid, or ClusterCertificateExists unless <paramref name="force"/>.</summary>
    public static void CheckWritable(string folder, bool force)
    {
        var existing = TrustFileWriter.Check(folder, Files(folder));
        if (existing.Count > 0 && !force) throw Exists(folder, existing);
    }

    public static void Write(string folder, CacertsMaterial material, bool force) =>
        TrustFileWriter.WriteAll(
            CacertsMaterial.Keys.Select(name => new TrustFile(Path.Combine(folder, name), material[name], OwnerOnly: name == CacertsMaterial.CaKeyKey)).ToList(),
            force, path => Exists(folder, new[] { path }));

    /// <summary>
    /// The four files, as they are (checked later, by <see cref="CacertsValidator"/>); <paramref name="reporter"/> is warned of a ca-key.pem
    /// its group or others may read.
    /// </summary>
    public static CacertsMaterial Read(string folder, IOperationReporter? reporter = null)
    {
        TrustFileReader.RequireFolder(folder, f => NotFound(f, $"The folder '{Printable.Quote(f)}' does not exist"));
        var files = Files(folder);
        var text = TrustFileReader.ReadAll(files,
            missing => NotFound(folder, $"No {string.Join(", no ", missing.Select(Path.GetFileName))} in '{Printable.Quote(folder)}'"),
            new[] { Path.Combine(folder, CacertsMaterial.CaKeyKey) }, reporter);
        return new CacertsMaterial(text[0], text[1], text[2], text[3], folder);
    }

    private static string[] Files(string folder) => CacertsMaterial.Keys.Select(name => Path.Combine(folder, name)).ToArray();

    private static MeshClusterException Exists(string folder, IEnumerable<string> files) =>
        new(ErrorIds.ClusterCertificateExists, ErrorCategory.ResourceExists,
            $"'{Printable.Quote(folder)}' already holds {string.Join(", ", files.Select(Path.GetFileName))}; a cluster's CA is never overwritten without -Force. Nothing was written.",
            target: folder);

    private static MeshClusterException NotFound(string folder, string what) =>
        new(ErrorIds.ClusterCertificateNotFound, ErrorCategory.ObjectNotFound,
            $"{what}: a cluster's folder holds ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem.", target: folder,
            recommendedAction: "Make them with New-IstioClusterCertificate -Path, or pipe the certificate object instead of -Path.");
}
