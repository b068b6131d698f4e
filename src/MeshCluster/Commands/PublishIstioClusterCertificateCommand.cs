using System.Management.Automation;
using MeshCluster.Engine.Naming;
using MeshCluster.Engine.Trust;
using MeshCluster.Hosting;

namespace MeshCluster.Commands;

/// <summary>
/// The trust step of Istio's Add a Remote Cluster guide, part 3: <c>kubectl create secret generic cacerts -n istio-system --from-file=ca-cert.pem
/// --from-file=ca-key.pem --from-file=root-cert.pem --from-file=cert-chain.pem</c> in one cluster, after proving the material sound.
/// </summary>
[Cmdlet(VerbsData.Publish, "IstioClusterCertificate", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(IstioClusterCertificatePublication))]
public sealed class PublishIstioClusterCertificateCommand : KubeCmdlet
{
    private const string InputObjectSet = "InputObject";
    private const string PathSet = "Path";

    /// <summary>Required: a CA published to whatever cluster happens to be current would be a mistake hard to notice.</summary>
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    [ValidateNotNullOrEmpty]
    public override string? Context { get; set; }

    /// <summary>A cluster's intermediate from New-IstioClusterCertificate.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public IstioClusterCertificate InputObject { get; set; } = null!;

    /// <summary>A cluster's folder (&lt;folder&gt;/&lt;cluster&gt;) with ca-cert.pem, ca-key.pem, root-cert.pem and cert-chain.pem.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>Where istiod runs and reads cacerts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string Namespace { get; set; } = IstioDefaults.Namespace;

    /// <summary>Replace a cacerts that chains to a different root.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    private string? _folder;

    /// <inheritdoc />
    protected override void BeginOnPipelineThread()
    {
        base.BeginOnPipelineThread();
        _folder = Path is null ? null : TrustPath.Resolve(Path, GetUnresolvedProviderPathFromPSPath);
    }

    /// <inheritdoc />
    protected override async Task ProcessRecordAsync(CancellationToken cancellationToken)
    {
        // This input's values, taken before the first await; the files are read and checked before connecting.
        var (context, input) = (Context, InputObject);
        var material = _folder is null ? CacertsMaterial.From(input) : ClusterCertificateStore.Read(_folder, Reporter);
        var fallbackName = _folder is null ? input.ClusterName : System.IO.Path.GetFileName(_folder.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        var connection = await ConnectAsync(context, cancellationToken).ConfigureAwait(false);
        var published = await CacertsPublisher.PublishAsync(connection, material, fallbackName, Namespace, Force, ShouldProcessAsync, Reporter, cancellationToken)
            .ConfigureAwait(false);
        if (published is not null) Emit(published);
    }
}
